"""Data-entry form pages through a real server: rendering, live scores, saves, refusals."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from psotrial.cli.main import main as cli_main
from psotrial.db.engine import transaction
from psotrial.db.models import AuditEvent, FormEntry
from psotrial.jsoncodec import loads_exact

PASI = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area_pct": 55},
}


def _fields(pasi: dict[str, dict[str, Any]]) -> dict[str, str]:
    return {
        f"{region}.{key}": str(value)
        for region, items in pasi.items()
        for key, value in items.items()
    }


def _url(pid: str, visit: str, form: str, repeat: int | None = None) -> str:
    url = f"/participants/{pid}/visits/{visit}/forms/{form}"
    return url + (f"?repeat={repeat}" if repeat else "")


def _score_url(pid: str, visit: str, form: str) -> str:
    return f"/participants/{pid}/visits/{visit}/forms/{form}/score"


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.S)
    assert match is not None, f"{pattern!r} not in the page"
    return match.group(1)


def _save(client: Any, url: str, data: dict[str, str], version: int, **extra: str) -> Any:
    body = {"csrf_token": client.csrf, "_version": str(version), **data, **extra}
    return client.post(url, data=body)


def _score(client: Any, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data=data, headers={"X-CSRF-Token": client.csrf})


def _entries(server: Any, form: str, visit: str = "W0") -> list[FormEntry]:
    with server.trial.db.factory() as session:
        query = select(FormEntry).where(FormEntry.form_code == form, FormEntry.visit_code == visit)
        return list(session.scalars(query))


def _cli_pasi(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, data: Any
) -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(data)))
    status = cli_main(["score", "pasi", "-", "--json"])
    out, _ = capsys.readouterr()
    return status, out


@pytest.fixture
def enrolled(server: Any) -> str:
    with transaction(server.trial.db.factory) as session:
        participant = server.trial.enrolled(session)
        code: str = participant.participant_code
    return code


def test_pasi_form_renders_the_region_grid(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    response = client.get(_url(enrolled, "W0", "pasi"))
    assert response.status_code == 200, response.text
    html = response.text
    assert 'class="pasi-grid"' in html
    for region in ("head", "upper_limbs", "trunk", "lower_limbs"):
        for sign in ("erythema", "induration", "desquamation", "area_pct"):
            assert f'name="{region}.{sign}"' in html
        assert f'id="pasi-contrib-{region}"' in html
    assert 'hx-trigger="input changed delay:300ms' in html
    assert f'hx-post="{_score_url(enrolled, "W0", "pasi")}"' in html
    assert 'name="_version" value="0"' in html
    # Every item links to its history in one click.
    link = _found(rf'href="/participants/{enrolled}/audit\?([^"]*item=head\.erythema[^"]*)"', html)
    assert "visit=W0" in link
    assert "form=pasi" in link


def test_live_pasi_score_equals_the_cli(
    server: Any,
    enrolled: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = server.browser("coordinator")
    response = _score(client, _score_url(enrolled, "W0", "pasi"), _fields(PASI))
    assert response.status_code == 200, response.text
    status, out = _cli_pasi(capsys, monkeypatch, PASI)
    assert status == 0
    expected = json.loads(out)
    assert _found(r'id="pasi-total">([^<]+)<', response.text) == str(expected["pasi"]) == "22.6"
    for region, detail in expected["regions"].items():
        shown = _found(
            rf'id="pasi-contrib-{region}"[^>]*hx-swap-oob="true">([^<]+)<', response.text
        )
        assert shown == str(detail["score"])
    assert _entries(server, "pasi") == []  # scoring saves nothing


def test_live_score_of_a_partial_pasi_shows_complete_regions_only(
    server: Any,
    enrolled: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    partial = {"head": PASI["head"], "upper_limbs": PASI["upper_limbs"]}
    client = server.browser("coordinator")
    response = _score(client, _score_url(enrolled, "W0", "pasi"), _fields(partial))
    assert response.status_code == 200
    assert _found(r'id="pasi-total">([^<]+)<', response.text) == "–"
    assert "Not scored yet" in response.text
    # The CLI refuses the same incomplete input; a region given scores as in the full form.
    assert _cli_pasi(capsys, monkeypatch, partial)[0] != 0
    full = json.loads(_cli_pasi(capsys, monkeypatch, PASI)[1])["regions"]
    assert _found(r'id="pasi-contrib-head"[^>]*>([^<]+)<', response.text) == str(
        full["head"]["score"]
    )
    assert _found(r'id="pasi-contrib-trunk"[^>]*>([^<]+)<', response.text) == "–"


def test_save_then_change_with_reason_is_in_the_audit_history(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    url = _url(enrolled, "W0", "pasi")
    first = _save(client, url, _fields(PASI), 0, _status="complete")
    assert first.status_code == 303, first.text
    page = client.get(first.headers["location"])
    assert "Saved." in page.text
    assert 'name="_version" value="1"' in page.text
    assert "saved by coordinator" in page.text
    assert _found(r'id="pasi-total">([^<]+)<', page.text) == "22.6"
    assert _found(r'name="head\.erythema" value="([^"]*)"', page.text) == "2"

    changed = {**_fields(PASI), "head.erythema": "3"}
    refused = _save(client, url, changed, 1, _status="complete")
    assert refused.status_code == 422
    assert 'id="err-reason"' in refused.text
    assert _found(r'name="head\.erythema" value="([^"]*)"', refused.text) == "3"

    reason = "transcription error, corrected from source"
    saved = _save(client, url, changed, 1, _status="complete", _reason=reason)
    assert saved.status_code == 303, saved.text
    (entry,) = _entries(server, "pasi")
    assert entry.version == 2
    assert loads_exact(entry.scores)["pasi"] == loads_exact("22.8")
    with server.trial.db.factory() as session:
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == str(entry.id), AuditEvent.item == "head.erythema"
            )
        ).all()
    assert [(e.old_value, e.new_value, e.reason) for e in events][-1] == ("2", "3", reason)
    history = client.get(f"/participants/{enrolled}/audit?visit=W0&form=pasi&item=head.erythema")
    assert history.status_code == 200
    assert reason in history.text


def test_refused_save_keeps_values_and_marks_each_field(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    data = {**_fields(PASI), "head.erythema": "7", "trunk.area_pct": "lots"}
    response = _save(client, _url(enrolled, "W0", "pasi"), data, 0, _status="complete")
    assert response.status_code == 422
    html = response.text
    assert _found(r'name="head\.erythema" value="([^"]*)"', html) == "7"
    assert _found(r'name="trunk\.area_pct" value="([^"]*)"', html) == "lots"
    assert _found(r'name="upper_limbs\.area_pct" value="([^"]*)"', html) == "35"
    for input_id in ("f-head-erythema", "f-trunk-area-pct"):
        cell = _found(rf"(<td id=\"wrap-{input_id}\">.*?</td>)", html)
        assert 'aria-invalid="true"' in cell
        assert 'class="field-error"' in cell
    assert "expected 0 to 4" in html
    assert _entries(server, "pasi") == []


def test_stale_version_is_409_and_nothing_is_overwritten(server: Any, enrolled: str) -> None:
    first, second = server.browser("coordinator"), server.browser("investigator")
    url = _url(enrolled, "W0", "pasi")
    assert _save(first, url, _fields(PASI), 0).status_code == 303
    late = {**_fields(PASI), "lower_limbs.area_pct": "95"}
    response = _save(second, url, late, 0)
    assert response.status_code == 409
    assert 'id="conflict"' in response.text
    assert "version 1" in response.text
    # The form now shows the current values and version; the refused value is listed.
    assert _found(r'name="lower_limbs\.area_pct" value="([^"]*)"', response.text) == "55"
    assert 'name="_version" value="1"' in response.text
    assert "<td>95</td>" in response.text
    (entry,) = _entries(server, "pasi")
    assert entry.version == 1
    assert loads_exact(entry.data)["lower_limbs.area_pct"] == 55


def test_other_site_gets_404_and_statistician_403(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator2")
    url = _url(enrolled, "W0", "pasi")
    assert client.get(url).status_code == 404
    assert _save(client, url, _fields(PASI), 0).status_code == 404
    assert _score(client, _score_url(enrolled, "W0", "pasi"), _fields(PASI)).status_code == 404
    client = server.browser("statistician")
    page = client.get(url)
    assert page.status_code == 200
    assert "Read only" in page.text
    assert 'value="complete" class="primary"' not in page.text
    assert _save(client, url, _fields(PASI), 0).status_code == 403
    assert _entries(server, "pasi") == []


def test_nullable_item_saves_none_and_shows_it(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    url = _url(enrolled, "SCR", "prior_therapies")
    page = client.get(url)
    assert 'name="systemic_last_date:none" value="1" checked' in page.text
    data = {
        "topical_last_date": "2026-01-10",
        "systemic_last_date": "2026-01-05",
        "phototherapy_last_date:none": "1",
        "biologic_last_date:none": "1",
        "other_trial_current": "false",
        "other_trial_last_date:none": "1",
    }
    saved = _save(client, url, data, 1, _reason="systemic therapy found in the referral letter")
    assert saved.status_code == 303, saved.text
    (entry,) = _entries(server, "prior_therapies", "SCR")
    stored = loads_exact(entry.data)
    assert stored["systemic_last_date"] == "2026-01-05"
    assert stored["phototherapy_last_date"] is None
    # Without the CSRF token nothing is saved.
    refused = client.post(url, data={"_version": "2", **data, "topical_last_date": "2026-01-11"})
    assert refused.status_code == 403
    assert _entries(server, "prior_therapies", "SCR")[0].version == 2


def test_ctcae_search_returns_matching_terms(server: Any) -> None:
    client = server.browser("coordinator")
    response = client.get("/ctcae/search", params={"q": "infusion rel"})
    assert response.status_code == 200
    assert '<option value="Infusion related reaction">' in response.text
    typed = client.get("/ctcae/search", params={"ctcae_term": "fever"})
    assert '<option value="Fever">' in typed.text
    assert "<option" not in client.get("/ctcae/search", params={"q": "<script>"}).text
    assert server.client().get("/ctcae/search?q=fever").status_code == 303


def test_adverse_event_shows_deadline_and_hostile_text_escaped(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    data = {
        "ctcae_term": "Fever",
        "verbatim": hostile,
        "onset_date": "2026-03-02",
        "grade": "3",
        "serious": "true",
        "seriousness": "life_threatening",
        "relatedness": "possible",
        "action_taken": "none",
        "outcome": "recovering",
    }
    live = _score(client, _score_url(enrolled, "W2", "adverse_event") + "?repeat=1", data)
    assert "report within 7 days" in live.text
    assert "10016558" in live.text  # the CTCAE term's MedDRA code
    saved = _save(client, _url(enrolled, "W2", "adverse_event", 1), data, 0)
    assert saved.status_code == 303, saved.text
    page = client.get(_url(enrolled, "W2", "adverse_event", 1))
    assert page.status_code == 200
    assert hostile not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img" in page.text
    assert 'list="ctcae-terms"' in page.text
    listing = client.get(_url(enrolled, "W2", "adverse_event"))
    assert "Fever" in listing.text
    assert "?repeat=2" in listing.text  # add a new one


def test_dlqi_branches_item_7_and_shows_its_copyright(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    page = client.get(_url(enrolled, "W0", "dlqi"))
    assert "© Dermatology Life Quality Index. A.Y. Finlay, G.K. Khan, April 1992" in page.text
    # Without JavaScript both 7a and 7b are there, with a note; htmx then asks the server.
    assert 'name="q7a"' in page.text
    assert 'name="q7b"' in page.text
    assert "Answer 7b only if 7a is" in page.text
    part = _score_url(enrolled, "W0", "dlqi") + "?part=q7b"
    assert 'name="q7b"' not in _score(client, part, {"q7a": "yes"}).text
    asked = _score(client, part, {"q7a": "no", "q7b": "1"}).text
    assert _found(r'(<input type="radio" name="q7b" value="1"[^>]*>)', asked).count("checked") == 1
    answers = {f"q{n}": "1" for n in (1, 2, 3, 4, 5, 6, 8, 9, 10)}
    live = _score(client, _score_url(enrolled, "W0", "dlqi"), {**answers, "q7a": "no", "q7b": "2"})
    assert _found(r'id="dlqi-total">([^<]+)<', live.text) == "11"


def test_zung_shows_raw_and_truncated_index(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    # Every answer option 1 on the SDS: raw 50, exact index 62.5, shown truncated as 62.
    answers = {f"q{n}": "1" for n in range(1, 21)}
    live = _score(client, _score_url(enrolled, "W12", "zung_sds"), answers)
    assert _found(r'id="zung-raw">([^<]+)<', live.text) == "50"
    assert _found(r'id="zung-index">([^<]+)<', live.text) == "62"
    assert "exact 62.5" in live.text


def test_labs_show_reference_ranges_and_ctcae_grades(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    page = client.get(_url(enrolled, "W4", "labs"))
    assert _found(r'name="PLT\.lln" value="([^"]*)"', page.text) == "125"
    data = {"PLT.value": "74", "PLT.lln": "125", "PLT.uln": "350"}
    live = _score(client, _score_url(enrolled, "W4", "labs"), data)
    grade = _found(r'(<div id="lab-grade-PLT" hx-swap-oob="true">.*?</div>\s*</div>)', live.text)
    assert "Platelet count decreased" in grade
    assert "grade 2" in grade
    assert "LOW" in grade


def test_questionnaire_captions_follow_the_users_language(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    english = client.get(_url(enrolled, "W0", "dlqi")).text
    assert "Itch, soreness, pain or stinging" in english
    chosen = client.post("/language", data={"csrf_token": client.csrf, "language": "zh"})
    assert chosen.status_code == 303
    chinese = client.get(_url(enrolled, "W0", "dlqi")).text
    assert "瘙痒、酸痛、疼痛或刺痛" in chinese
    assert "非常多" in chinese  # the choice "Very much"
    assert "© Dermatology Life Quality Index. A.Y. Finlay, G.K. Khan, April 1992" in chinese


def test_edit_check_query_is_flagged_on_its_item(server: Any, enrolled: str) -> None:
    client = server.browser("coordinator")
    palms = {"head": "12", "upper_limbs": "7", "trunk": "6", "lower_limbs": "22"}
    live = _score(client, _score_url(enrolled, "W0", "bsa"), palms)
    assert "Saving opens a query" in live.text
    saved = _save(client, _url(enrolled, "W0", "bsa"), palms, 0)
    assert saved.status_code == 303
    page = client.get(_url(enrolled, "W0", "bsa")).text
    flag = _found(r'(<a class="query-flag" href="/queries\?[^"]*"[^>]*>[^<]*</a>)', page)
    assert "item=head" in flag
    assert "?1" in flag
    fine = _score(client, _score_url(enrolled, "W0", "bsa"), {**palms, "head": "1.5"})
    assert _found(r'id="bsa-total">([^<]+)<', fine.text) == "36.5"
