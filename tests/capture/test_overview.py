"""Casebook read models: visits in protocol order, form statuses, repeats, queries, lists."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from psotrial.capture.actors import SYSTEM
from psotrial.capture.entries import save_entry
from psotrial.capture.overview import list_participants, participant_overview
from psotrial.capture.participants import register_candidate, transition
from psotrial.capture.queries import open_query
from psotrial.capture.sites import add_site
from psotrial.capture.visits import record_visit
from psotrial.errors import FieldError, NotFoundError

PASI = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area_pct": 55},
}
AE = {
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


@contextmanager
def counting(engine: Any) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def save(
    trial: Any, session: Any, participant: Any, visit: str, form: str, data: Any, **kw: Any
) -> Any:
    return save_entry(
        session,
        protocol=trial.protocol,
        actor=trial.actors["coordinator"],
        participant=participant,
        visit=visit,
        form=form,
        data=data,
        base_version=kw.pop("base", 0),
        now=trial.now,
        **kw,
    )


def test_participant_overview_candidate(trial: Any) -> None:
    with trial.session() as session:
        trial.screen(session)
        overview = participant_overview(
            session, trial.actors["coordinator"], "GZ01-S001", trial.protocol
        )
    assert (overview.pid, overview.participant_code, overview.status) == (
        "GZ01-S001",
        None,
        "screening",
    )
    assert [v.code for v in overview.visits] == [v.code for v in trial.protocol.visits]
    screening = overview.visit("SCR")
    assert screening.actual_date == date(2026, 2, 23)
    assert [f.code for f in screening.forms] == list(trial.protocol.visits[0].forms)
    stored = set(trial.screening_forms())
    assert {f.code for f in screening.forms if f.status == "complete"} == stored
    assert {f.code for f in screening.forms if f.status == "missing"} == (
        set(trial.protocol.visits[0].forms) - stored
    )
    # No calendar before enrolment.
    assert overview.visit("W12").target_date is None


def test_participant_overview_enrolled_forms_repeats_and_queries(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        trunk = {"erythema": 2, "induration": 1, "desquamation": 0, "area_pct": 0}
        save(trial, session, participant, "W0", "pasi", {**PASI, "trunk": trunk})  # EC002
        save(trial, session, participant, "W2", "adverse_event", AE, repeat=1)
        save(trial, session, participant, "W2", "adverse_event", AE, repeat=2, status="draft")
        record_visit(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            visit="W12",
            on=date(2026, 5, 29),
            now=trial.now,
        )  # EC001 on W12.actual_date
        open_query(
            session,
            actor=trial.actors["monitor"],
            participant=participant,
            message="check the date",
        )
        session.flush()  # count reads only, not pending writes
        with counting(trial.db.engine) as statements:
            overview = participant_overview(
                session, trial.actors["monitor"], "GZ01-001", trial.protocol
            )
    assert len(statements) <= 5, statements
    assert (overview.pid, overview.screening_number) == ("GZ01-001", "GZ01-S001")
    w0 = overview.visit("W0")
    assert (w0.target_date, w0.actual_date) == (date(2026, 3, 2), None)
    pasi = next(f for f in w0.forms if f.code == "pasi")
    assert (pasi.status, pasi.version, pasi.open_queries, pasi.queried_items) == (
        "complete",
        1,
        1,
        ("trunk.area_pct",),
    )
    assert pasi.entry_id is not None
    assert pasi.repeats == ()
    assert next(f for f in w0.forms if f.code == "bsa").status == "missing"
    ae = next(f for f in overview.visit("W2").forms if f.code == "adverse_event")
    assert ae.repeating
    assert ae.entry_id is None
    assert [(r.repeat, r.status) for r in ae.repeats] == [(1, "complete"), (2, "draft")]
    assert ae.status == "draft"  # the least advanced repeat
    w12 = overview.visit("W12")
    assert (w12.actual_date, w12.window_status) == (date(2026, 5, 29), "late")
    assert overview.queried_items == ("W12.actual_date",)
    assert overview.open_queries == 3  # EC002, EC001 and the monitor's


def test_participant_overview_query_count_does_not_grow(trial: Any) -> None:
    """Set-based: the number of statements does not depend on visits or entries."""
    with trial.session() as session:
        candidate = trial.screen(session)
        with counting(trial.db.engine) as few:
            participant_overview(session, SYSTEM, candidate.screening_number, trial.protocol)
        participant = trial.enrolled(session)
        for visit in ("W0", "W2", "W4", "W6"):
            save(trial, session, participant, visit, "pasi", PASI)
        with counting(trial.db.engine) as many:
            participant_overview(session, SYSTEM, participant.participant_code, trial.protocol)
    assert len(few) == len(many)


def test_participant_overview_other_site_not_found(trial: Any) -> None:
    with trial.session() as session:
        add_site(session, actor=SYSTEM, code="GZ02", name="Second (synthetic)", timezone="UTC")
        register_candidate(
            session, actor=SYSTEM, site="GZ02", screening_date=date(2026, 2, 24), now=trial.now
        )
        with pytest.raises(NotFoundError, match="GZ02-S001"):
            participant_overview(session, trial.actors["investigator"], "GZ02-S001", trial.protocol)
        assert participant_overview(
            session, trial.actors["statistician"], "GZ02-S001", trial.protocol
        )


def test_list_participants_visibility_and_filters(trial: Any) -> None:
    with trial.session() as session:
        add_site(session, actor=SYSTEM, code="GZ02", name="Second (synthetic)", timezone="UTC")
        trial.enrolled(session)  # GZ01-001 (GZ01-S001)
        failed = trial.screen(session)  # GZ01-S002
        transition(
            session,
            actor=trial.actors["coordinator"],
            participant=failed,
            to="screen_failed",
            on=date(2026, 2, 25),
            reason="EX05",
            now=trial.now,
        )
        register_candidate(
            session, actor=SYSTEM, site="GZ02", screening_date=date(2026, 2, 24), now=trial.now
        )
        coordinator, monitor = trial.actors["coordinator"], trial.actors["monitor"]
        session.flush()  # count reads only, not pending writes
        with counting(trial.db.engine) as statements:
            rows = list_participants(session, monitor)
        assert len(statements) <= 3
        assert [(r.pid, r.site, r.status) for r in rows] == [
            ("GZ01-001", "GZ01", "enrolled"),
            ("GZ01-S002", "GZ01", "screen_failed"),
            ("GZ02-S001", "GZ02", "screening"),
        ]
        assert (rows[0].next_visit, rows[0].next_visit_target) == ("W0", date(2026, 3, 2))
        assert rows[2].next_visit is None
        assert [r.pid for r in list_participants(session, coordinator)] == ["GZ01-001", "GZ01-S002"]
        assert list_participants(session, coordinator, site="GZ02") == []
        assert [r.pid for r in list_participants(session, monitor, site="GZ02")] == ["GZ02-S001"]
        assert [r.pid for r in list_participants(session, monitor, status="screen_failed")] == [
            "GZ01-S002"
        ]
        assert [r.pid for r in list_participants(session, monitor, search="gz01-s00")] == [
            "GZ01-001",
            "GZ01-S002",
        ]
        assert [r.pid for r in list_participants(session, monitor, search="-001")] == ["GZ01-001"]
        assert list_participants(session, monitor, search="%") == []
        with pytest.raises(FieldError, match="expected one of: screening"):
            list_participants(session, monitor, status="dancing")
