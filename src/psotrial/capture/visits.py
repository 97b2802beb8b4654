"""Visits: the planned calendar at enrolment, actual dates, and the window check (EC001)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.participants import check_writable
from psotrial.capture.progress import advance_status
from psotrial.capture.queries import open_query
from psotrial.db.models import Participant, Visit
from psotrial.errors import StateError
from psotrial.protocol import Protocol
from psotrial.schedule import build_schedule, check_visit_window

__all__ = ["get_visit", "plan_visits", "record_visit"]


# Built once: building a SELECT costs more CPU than SQLite takes to run it (an imported
# participant records some ten visits).
_VISIT = select(Visit).where(
    Visit.participant_id == bindparam("participant_id"), Visit.visit_code == bindparam("code")
)
_VISITS = select(Visit).where(Visit.participant_id == bindparam("participant_id"))


def get_visit(session: Session, participant: Participant, code: str) -> Visit | None:
    """The participant's visit row for ``code``, or None."""
    return session.scalars(_VISIT, {"participant_id": participant.id, "code": code}).first()


def plan_visits(
    session: Session, *, protocol: Protocol, participant: Participant, first_infusion: date
) -> list[Visit]:
    """Create or re-date every visit from the first-infusion date (Day 1)."""
    visits = []
    rows = {
        row.visit_code: row for row in session.scalars(_VISITS, {"participant_id": participant.id})
    }
    for planned in build_schedule(protocol, first_infusion):
        row = rows.get(planned.code)
        if row is None:
            row = Visit(participant_id=participant.id, visit_code=planned.code)
            session.add(row)
        row.target_date, row.earliest_date, row.latest_date = (
            planned.target,
            planned.earliest,
            planned.latest,
        )
        if row.actual_date is not None:
            row.window_status = _window(protocol, first_infusion, planned.code, row.actual_date)
        visits.append(row)
    session.flush()
    return visits


def record_visit(
    session: Session,
    *,
    protocol: Protocol,
    actor: Actor,
    participant: Participant,
    visit: str,
    on: date,
    now: datetime | None = None,
) -> Visit:
    """Record the date a visit took place; an out-of-window date opens query EC001.

    The baseline visit's date is Day 1: recording it re-dates the whole calendar.
    """
    require(actor, "enter_data", participant.site.code)
    check_writable(session, participant)
    protocol.visit(visit)
    now = now or datetime.now(UTC)
    row = get_visit(session, participant, visit)
    if row is None:
        if visit != protocol.visits[0].code:
            raise StateError(f"{participant.screening_number} is not enrolled: no calendar yet")
        row = Visit(participant_id=participant.id, visit_code=visit)
        session.add(row)
    old = row.actual_date
    row.actual_date = on
    changes = [
        Change(
            "update" if old else "create",
            "visit",
            str(participant.id),
            participant.id,
            f"{visit}.actual_date",
            old=old,
            new=on,
        )
    ]
    if visit == _baseline(protocol) and participant.first_infusion != on:
        changes.append(
            Change(
                "update",
                "participant",
                str(participant.id),
                participant.id,
                "first_infusion",
                old=participant.first_infusion,
                new=on,
            )
        )
        participant.first_infusion = on
        plan_visits(session, protocol=protocol, participant=participant, first_infusion=on)
    if participant.first_infusion is not None and visit != protocol.visits[0].code:
        row.window_status = _window(protocol, participant.first_infusion, visit, on)
    session.flush()
    append_events(session, actor=actor.username, at=now, changes=changes)
    if row.window_status and row.window_status != "in_window":
        check = check_visit_window(protocol, participant.first_infusion or on, visit, on)
        open_query(
            session,
            actor=actor,
            participant=participant,
            item=f"{visit}.actual_date",
            check_id="EC001",
            message=f"EC001: {check.reason}",
            now=now,
        )
    advance_status(session, protocol=protocol, actor=actor, participant=participant, now=now)
    return row


def _baseline(protocol: Protocol) -> str:
    return protocol.arm().infusion_visits[0]


def _window(protocol: Protocol, first_infusion: date, visit: str, on: date) -> str:
    check = check_visit_window(protocol, first_infusion, visit, on)
    if check.in_window:
        return "in_window"
    return "early" if check.days_from_target < 0 else "late"
