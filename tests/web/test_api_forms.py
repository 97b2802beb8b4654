"""Forms over the API: shapes and scores of `psotrial score`, versions, refusals, audit."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from psotrial.cli.main import main
from psotrial.db.models import AuditEvent, FormEntry

PASI = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20.5},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area_pct": 55},
}
DOCUMENTS = {
    "pasi": ("W0", "pasi", PASI),
    "bsa": ("W0", "bsa", {"head": 1.5, "upper_limbs": 7, "trunk": 6, "lower_limbs": 22}),
    "itch": ("W0", "itch", {"vas_mm": 62}),
    "dlqi": (
        "W0",
        "dlqi",
        {
            "q1": 2,
            "q2": 2,
            "q3": 1,
            "q4": 2,
            "q5": 1,
            "q6": "not_relevant",
            "q7a": "no",
            "q7b": 1,
            "q8": 1,
            "q9": 0,
            "q10": 1,
        },
    ),
    "zung": ("W12", "zung_sas", {"scale": "SAS", "items": [1, 2, 3, 4] * 5}),
}
FORMS = "/api/v1/participants/{pid}/visits/{visit}/forms/{form}"


def score_command(
    instrument: str, document: Any, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> Any:
    """What `psotrial score INSTRUMENT - --json` prints for ``document``."""
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(document)))
    assert main(["score", instrument, "-", "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def enrolled(server: Any) -> str:
    with server.trial.session() as session:
        code: str = server.trial.enrolled(session).participant_code
    return code


def test_instrument_forms_match_score_command(
    server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pid = enrolled(server)
    api = server.api("coordinator")
    for instrument, (visit, form, document) in DOCUMENTS.items():
        url = FORMS.format(pid=pid, visit=visit, form=form)
        before = api.get(url)
        assert before.status_code == 200, before.text
        assert before.json() | {"updated_at": None} == {
            "participant": pid,
            "visit": visit,
            "form": form,
            "repeat": 0,
            "data": {},
            "scores": {},
            "status": "missing",
            "version": 0,
            "updated_at": None,
            "updated_by": None,
        }
        saved = api.put(url, json={"data": document, "version": 0, "reason": None})
        assert saved.status_code == 200, saved.text
        expected = score_command(instrument, document, capsys, monkeypatch)
        assert saved.json()["scores"] == expected, instrument
        assert (saved.json()["version"], saved.json()["status"]) == (1, "complete")
        shown = api.get(url).json()
        assert shown["data"] == document, instrument
        assert shown["scores"] == expected, instrument
        # The stored data scored by the command again gives the same output.
        assert score_command(instrument, shown["data"], capsys, monkeypatch) == expected
    pasi = api.get(FORMS.format(pid=pid, visit="W0", form="pasi")).json()
    assert pasi["scores"]["pasi"] == 22.6  # the worked example (tests/capture/test_entries.py)


def test_save_stale_version_is_409_and_nothing_overwritten(server: Any) -> None:
    pid = enrolled(server)
    url = FORMS.format(pid=pid, visit="W0", form="pasi")
    coordinator, investigator = server.api("coordinator"), server.api("investigator")
    assert coordinator.put(url, json={"data": PASI, "version": 0}).status_code == 200
    changed = {**PASI, "head": {**PASI["head"], "erythema": 4}}
    first = investigator.put(url, json={"data": changed, "version": 1, "reason": "re-read"})
    assert first.status_code == 200, first.text
    stale = {**PASI, "head": {**PASI["head"], "erythema": 0}}
    conflict = coordinator.put(url, json={"data": stale, "version": 1, "reason": "typo"})
    assert conflict.status_code == 409
    error = conflict.json()["error"]
    assert error["code"] == "conflict"
    assert "version 2" in error["message"]
    shown = coordinator.get(url).json()
    assert (shown["version"], shown["data"]["head"]["erythema"]) == (2, 4)
    assert shown["updated_by"] == "investigator"


def test_save_invalid_is_422_with_fields_and_nothing_written(server: Any) -> None:
    pid = enrolled(server)
    api = server.api("coordinator")
    bad = {
        **PASI,
        "head": {"erythema": 7, "induration": 1, "desquamation": "lots", "area_pct": 15},
        "tail": {"erythema": 1},
    }
    response = api.put(
        FORMS.format(pid=pid, visit="W0", form="pasi"), json={"data": bad, "version": 0}
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"head.erythema", "head.desquamation", "tail.erythema"}
    assert "0 to 4" in error["fields"]["head.erythema"]
    zung = api.put(
        FORMS.format(pid=pid, visit="W12", form="zung_sas"),
        json={"data": {"scale": "SAS", "items": [1] * 4 + [9] + [1] * 15}, "version": 0},
    )
    assert zung.status_code == 422
    assert list(zung.json()["error"]["fields"]) == ["items.4"]
    wrong_scale = api.put(
        FORMS.format(pid=pid, visit="W12", form="zung_sas"),
        json={"data": {"scale": "SDS", "items": [1] * 20}, "version": 0},
    )
    assert wrong_scale.json()["error"]["fields"] == {
        "scale": "zung_sas is the SAS scale: expected 'SAS'"
    }
    with server.trial.session() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(FormEntry).where(FormEntry.visit_code != "SCR")
            )
            == 0
        )


def test_change_needs_reason_and_audit_shows_it(server: Any) -> None:
    pid = enrolled(server)
    api = server.api("coordinator")
    url = FORMS.format(pid=pid, visit="W0", form="itch")
    assert api.put(url, json={"data": {"vas_mm": 62}, "version": 0}).status_code == 200
    no_reason = api.put(url, json={"data": {"vas_mm": 26}, "version": 1, "reason": None})
    assert no_reason.status_code == 422
    assert list(no_reason.json()["error"]["fields"]) == ["reason"]
    changed = api.put(url, json={"data": {"vas_mm": 26}, "version": 1, "reason": "digits swapped"})
    assert changed.status_code == 200
    assert changed.json()["changed"] == ["vas_mm"]
    assert changed.json()["scores"]["band"] == "mild"
    audit = api.get(
        f"/api/v1/participants/{pid}/audit",
        params={"visit": "W0", "form": "itch", "item": "vas_mm"},
    )
    assert audit.status_code == 200
    events = [
        (e["action"], e["old"], e["new"], e["reason"], e["actor"], e["visit"])
        for e in audit.json()["events"]
    ]
    assert events == [
        ("create", None, 62, None, "coordinator", "W0"),
        ("update", 62, 26, "digits swapped", "coordinator", "W0"),
    ]
    with server.trial.session() as session:
        reasons = session.scalars(
            select(AuditEvent.reason).where(AuditEvent.item == "vas_mm").order_by(AuditEvent.id)
        ).all()
    assert list(reasons)[-2:] == [None, "digits swapped"]  # screening's itch, then W0's


def test_repeating_forms_addressed_by_repeat(server: Any) -> None:
    pid = enrolled(server)
    api = server.api("coordinator")
    url = FORMS.format(pid=pid, visit="W2", form="adverse_event")
    ae = {
        "ctcae_term": "Headache",
        "verbatim": "headache",
        "onset_date": "2026-03-03",
        "grade": 1,
        "serious": False,
        "relatedness": "unlikely",
        "action_taken": "none",
        "outcome": "recovered",
        "resolution_date": "2026-03-04",
    }
    missing_repeat = api.get(url)
    assert missing_repeat.status_code == 422
    assert list(missing_repeat.json()["error"]["fields"]) == ["repeat"]
    for n in (1, 2):
        saved = api.put(url, params={"repeat": n}, json={"data": ae, "version": 0})
        assert saved.status_code == 200, saved.text
        assert saved.json()["repeat"] == n
        assert saved.json()["scores"]["meddra_code"]
    detail = api.get(f"/api/v1/participants/{pid}").json()
    w2 = next(v for v in detail["visits"] if v["code"] == "W2")
    form = next(f for f in w2["forms"] if f["code"] == "adverse_event")
    assert [(r["repeat"], r["version"]) for r in form["repeats"]] == [(1, 1), (2, 1)]
    single = api.get(FORMS.format(pid=pid, visit="W0", form="pasi"), params={"repeat": 1})
    assert single.status_code == 422


UNKNOWN = [
    ("/visits/W99/forms/pasi", 404),
    ("/visits/W0/forms/nonsense", 404),
    ("/visits/W0/forms/informed_consent", 404),  # a form W0 does not collect
    ("/visits/w0/forms/pasi", 422),
    ("/visits/W0/forms/pasi?repeat=abc", 422),
]


def test_unknown_visit_or_form(server: Any) -> None:
    pid = enrolled(server)
    monitor = server.api("monitor")
    for path, status in UNKNOWN:
        response = monitor.get(f"/api/v1/participants/{pid}{path}")
        assert response.status_code == status, (path, response.text)
        assert response.json()["error"]["message"]
