"""The adverse event list: CTCAE term, grade, seriousness, SAE report deadline, relatedness."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from psotrial.capture.entries import save_entry
from psotrial.capture.signatures import sign_entry
from psotrial.capture.visits import record_visit
from psotrial.db.models import FormEntry
from psotrial.protocol.answers import nest_answers


def _at(server: Any, moment: datetime) -> None:
    state = server.app.state.psotrial
    server.app.state.psotrial = dataclasses.replace(state, clock=lambda: moment)


def _adverse_events(trial: Any) -> tuple[str, int]:
    """A non-serious fever and a serious appendicitis (hospitalisation) recorded on 2 March:
    the SAE's expedited report is due 15 days later, 17 March (ICH E2A)."""
    spec = trial.protocol.form("adverse_event")
    base = {item.name: item.example for item in spec.items}
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
        ids = []
        for repeat, changes in enumerate(
            (
                {},
                {
                    "ctcae_term": "Appendicitis",
                    "verbatim": "<b>appendix</b>",
                    "grade": 3,
                    "serious": True,
                    "seriousness": "hospitalisation",
                    "relatedness": "unlikely",
                },
            ),
            start=1,
        ):
            saved = save_entry(
                session,
                protocol=trial.protocol,
                actor=coordinator,
                participant=participant,
                visit="W0",
                form="adverse_event",
                data=nest_answers({**base, **changes}),
                base_version=0,
                repeat=repeat,
                now=trial.now,
            )
            ids.append(saved.entry.id)
        return str(participant.participant_code), ids[1]  # fmt: skip


def test_list_shows_term_grade_seriousness_deadline_and_link(server: Any) -> None:
    pid, sae = _adverse_events(server.trial)
    _at(server, datetime(2026, 3, 10, 1, 0, tzinfo=UTC))
    coordinator = server.browser("coordinator")
    page = coordinator.get("/adverse-events").text
    assert "Fever" in page
    assert "Appendicitis" in page
    row = page[page.index(f'id="ae-{sae}"') :]
    row = row[: row.index("</tr>")]
    assert ">3<" in row
    assert "serious" in row
    assert "Requires or prolongs hospitalisation" in row
    assert "2026-03-17" in row
    assert "pending" in row
    assert "Unlikely" in row
    assert f"/participants/{pid}/visits/W0/forms/adverse_event?repeat=2" in row
    assert "&lt;b&gt;appendix&lt;/b&gt;" in row
    assert "<b>appendix" not in row
    serious_only = coordinator.get("/adverse-events?serious=yes").text
    assert "Appendicitis" in serious_only
    assert "Fever" not in serious_only
    assert "Appendicitis" not in coordinator.get("/adverse-events?overdue=yes").text
    assert coordinator.get("/adverse-events?serious=maybe").status_code == 422


def test_sae_report_is_overdue_after_its_deadline_until_signed(server: Any) -> None:
    _pid, sae = _adverse_events(server.trial)
    coordinator = server.browser("coordinator")
    # 18 March 09:00 in Guangzhou: the 17 March deadline has passed.
    _at(server, datetime(2026, 3, 18, 1, 0, tzinfo=UTC))
    overdue = coordinator.get("/adverse-events?overdue=yes").text
    assert "Appendicitis" in overdue
    assert "sae-overdue" in overdue
    assert 'id="stat-sae-overdue">1<' in coordinator.get("/dashboard").text
    # 17 March 23:30 in Guangzhou (15:30 UTC): still on time.
    _at(server, datetime(2026, 3, 17, 15, 30, tzinfo=UTC))
    assert "Appendicitis" not in coordinator.get("/adverse-events?overdue=yes").text
    _at(server, datetime(2026, 3, 18, 1, 0, tzinfo=UTC))
    trial = server.trial
    with trial.session() as session:
        entry = session.get(FormEntry, sae)
        sign_entry(session, actor=trial.actors["investigator"], password=trial.password,
                   entry=entry, now=trial.now)  # fmt: skip
    assert "Appendicitis" not in coordinator.get("/adverse-events?overdue=yes").text


def test_other_sites_see_none_of_it(server: Any) -> None:
    pid, _ = _adverse_events(server.trial)
    stranger = server.browser("coordinator2")
    assert "Appendicitis" not in stranger.get("/adverse-events").text
    assert "Appendicitis" not in stranger.get(f"/adverse-events?pid={pid}").text
    assert "Appendicitis" in server.browser("statistician").get("/adverse-events").text
