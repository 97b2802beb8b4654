"""Queries through the pages: raise, answer, close; roles, sites, CSRF and escaping."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from psotrial.capture.entries import save_entry
from psotrial.capture.visits import record_visit
from psotrial.protocol.answers import nest_answers

HOSTILE = "<script>alert(1)</script>"


def _with_pasi(trial: Any) -> str:
    with trial.session() as session:
        participant = trial.enrolled(session)
        coordinator = trial.actors["coordinator"]
        record_visit(
            session,
            protocol=trial.protocol,
            actor=coordinator,
            participant=participant,
            visit="W0",
            on=date(2026, 3, 2),
            now=trial.now,
        )
        spec = trial.protocol.form("pasi")
        save_entry(session, protocol=trial.protocol, actor=coordinator, participant=participant,
                   visit="W0", form="pasi",
                   data=nest_answers({i.name: i.example for i in spec.items}),
                   base_version=0, now=trial.now)  # fmt: skip
        return str(participant.participant_code)


def _raise(client: Any, pid: str, **fields: Any) -> Any:
    data = {"pid": pid, "visit": "W0", "form": "pasi", "item": "head.erythema",
            "text": HOSTILE, "csrf_token": client.csrf, "next": f"/queries?pid={pid}"}  # fmt: skip
    data.update(fields)
    return client.post("/queries", data=data)


def _query_ids(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="query-(\d+)"', page)]


def test_raise_answer_close_round_trip(server: Any) -> None:
    pid = _with_pasi(server.trial)
    monitor = server.browser("monitor")
    raised = _raise(monitor, pid)
    assert raised.status_code == 303
    assert raised.headers["location"] == f"/queries?pid={pid}&flash=query_raised"
    page = monitor.get(raised.headers["location"]).text
    assert "The query is raised." in page
    # Hostile text is shown escaped, never as markup.
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    (query_id,) = _query_ids(page)
    # Listed by item and pid, with its place and a link to the item's history.
    by_item = monitor.get(f"/queries?pid={pid}&item=head.erythema&status=open").text
    assert _query_ids(by_item) == [query_id]
    assert f"/participants/{pid}/audit?form=pasi&amp;item=head.erythema&amp;visit=W0" in by_item
    assert _query_ids(monitor.get(f"/queries?pid={pid}&item=trunk.erythema").text) == []
    # The casebook marks the form with the open query.
    casebook = monitor.get(f"/participants/{pid}").text
    assert 'class="query-flag"' in casebook

    coordinator = server.browser("coordinator")
    answered = coordinator.post(
        f"/queries/{query_id}/answer",
        data={"answer": "checked the source", "csrf_token": coordinator.csrf, "next": "/queries"},
    )
    assert answered.status_code == 303
    assert _query_ids(coordinator.get("/queries?status=answered").text) == [query_id]
    closed = monitor.post(
        f"/queries/{query_id}/close",
        data={"note": "fine", "csrf_token": monitor.csrf, "next": "/queries"},
    )
    assert closed.status_code == 303
    assert _query_ids(monitor.get("/queries?status=closed").text) == [query_id]
    assert _query_ids(monitor.get("/queries?status=open").text) == []


def test_roles_and_sites_are_enforced(server: Any) -> None:
    pid = _with_pasi(server.trial)
    statistician = server.browser("statistician")
    assert _raise(statistician, pid).status_code == 403
    assert "Raise the query" not in statistician.get(f"/queries?pid={pid}").text
    stranger = server.browser("coordinator2")
    assert _raise(stranger, pid).status_code == 404
    monitor = server.browser("monitor")
    assert _raise(monitor, pid).status_code == 303
    (query_id,) = _query_ids(monitor.get("/queries").text)
    assert _query_ids(stranger.get("/queries").text) == []
    answer = {"answer": "no", "csrf_token": stranger.csrf}
    assert stranger.post(f"/queries/{query_id}/answer", data=answer).status_code == 404
    coordinator = server.browser("coordinator")
    note = {"note": "", "csrf_token": coordinator.csrf}
    assert coordinator.post(f"/queries/{query_id}/close", data=note).status_code == 403
    own_answer = {"answer": "x", "csrf_token": monitor.csrf}
    assert monitor.post(f"/queries/{query_id}/answer", data=own_answer).status_code == 403
    assert (
        monitor.post("/queries/99999/close", data={"csrf_token": monitor.csrf}).status_code == 404
    )


def test_bad_targets_and_missing_csrf_are_refused(server: Any) -> None:
    pid = _with_pasi(server.trial)
    monitor = server.browser("monitor")
    assert _raise(monitor, pid, csrf_token="").status_code == 403
    assert _raise(monitor, pid, item="head.colour").status_code == 422
    assert _raise(monitor, pid, visit="W2").status_code == 404  # no PASI at W2 yet
    assert _raise(monitor, pid, text="   ").status_code == 422
    # A query on a visit's date, and one on the participant.
    assert _raise(monitor, pid, form="", item="").status_code == 303
    assert _raise(monitor, pid, visit="", form="", item="").status_code == 303
    page = monitor.get(f"/queries?pid={pid}&visit=W0&item=actual_date").text
    assert len(_query_ids(page)) == 1
    assert len(_query_ids(monitor.get("/queries").text)) == 2
