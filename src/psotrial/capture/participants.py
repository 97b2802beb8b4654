"""Participants: registration at screening, IDs, and the enforced lifecycle.

    screening -> screen_failed | enrolled -> on_treatment -> follow_up -> completed
    withdrawn from any active state (screening, enrolled, on_treatment, follow_up)

Screening numbers are ``SITE-Snnn`` and participant IDs ``SITE-nnn``, handed out under a
lock on the site row so that two concurrent registrations never share a number.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from datetime import UTC, date, datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.study import get_study
from psotrial.db.models import Participant, Site, Study
from psotrial.errors import FieldError, LockedError, NotFoundError, StateError

__all__ = [
    "ACTIVE",
    "TRANSITIONS",
    "check_writable",
    "forget_study_lock",
    "get_participant",
    "next_participant_code",
    "register_candidate",
    "transition",
]

TRANSITIONS: Mapping[str, frozenset[str]] = {
    "screening": frozenset({"screen_failed", "enrolled", "withdrawn"}),
    "enrolled": frozenset({"on_treatment", "withdrawn"}),
    "on_treatment": frozenset({"follow_up", "withdrawn"}),
    "follow_up": frozenset({"completed", "withdrawn"}),
    "screen_failed": frozenset(),
    "completed": frozenset(),
    "withdrawn": frozenset(),
}
ACTIVE = frozenset({"screening", "enrolled", "on_treatment", "follow_up"})
_STUDY_LOCKED = select(Study.locked).limit(1)
# The transactions that have read the study unlocked (see check_writable).
_STUDY_OPEN: weakref.WeakSet[SessionTransaction] = weakref.WeakSet()
# Built once (every API request looks its participant up).
_BY_REF = select(Participant).where(
    or_(
        Participant.participant_code == bindparam("ref"),
        Participant.screening_number == bindparam("ref"),
    )
)
_BY_REF_FOR_UPDATE = _BY_REF.with_for_update(of=Participant)


def get_participant(session: Session, ref: str, *, for_update: bool = False) -> Participant:
    """A participant by participant ID (``GZ01-001``) or screening number (``GZ01-S001``).

    Raises:
        NotFoundError: no such participant.
    """
    # OF participant: PostgreSQL refuses to lock the nullable side of the site join.
    query = _BY_REF_FOR_UPDATE if for_update else _BY_REF
    participant = session.scalar(query, {"ref": ref})
    if participant is None:
        raise NotFoundError("participant", ref)
    return participant


def check_writable(session: Session, participant: Participant) -> None:
    """Refuse changes to a locked participant or a locked database.

    The study's lock is read once per transaction (a data manager may lock the database
    from another process at any time; a web save is one transaction), as one column rather
    than the whole study row. An import writes a group of participants in one transaction
    and reads it once per group: reading it again before each of a participant's ~60
    forms was a quarter of its statements. On SQLite the transaction holds the write lock,
    so nobody can lock the study meanwhile; on PostgreSQL a lock committed during a group
    applies from the next group, as one committed during a single save applies from the
    next save.
    """
    root = session.get_transaction()
    if root is None or root not in _STUDY_OPEN:
        if session.scalars(_STUDY_LOCKED).first():
            raise LockedError("the database is locked; a data manager can unlock it with a reason")
        if root is not None:
            _STUDY_OPEN.add(root)
    if participant.locked:
        raise LockedError(
            f"participant {_label(participant)} is locked; a data manager can unlock it"
        )


def forget_study_lock(session: Session) -> None:
    """Make the next :func:`check_writable` of this transaction read the study's lock again.

    For a transaction that changes the lock itself.
    """
    root = session.get_transaction()
    if root is not None:
        _STUDY_OPEN.discard(root)


def register_candidate(
    session: Session,
    *,
    actor: Actor,
    site: str,
    screening_date: date,
    planned_first_infusion: date | None = None,
    now: datetime | None = None,
) -> Participant:
    """Register a screening candidate at ``site`` with the next screening number."""
    require(actor, "enter_data", site)
    study = get_study(session)
    if study.locked:
        raise LockedError("the database is locked; a data manager can unlock it with a reason")
    row = _lock_site(session, site)
    if planned_first_infusion is not None and planned_first_infusion < screening_date:
        raise FieldError("planned_first_infusion", "cannot be before the screening date")
    now = now or datetime.now(UTC)
    number = f"{row.code}-S{row.next_screening_number:03d}"
    row.next_screening_number += 1
    participant = Participant(
        study_id=study.id,
        site_id=row.id,
        screening_number=number,
        participant_code=None,
        status="screening",
        status_date=screening_date,
        screening_date=screening_date,
        planned_first_infusion=planned_first_infusion,
        locked=False,
        version=1,
        created_at=now,
    )
    session.add(participant)
    session.flush()
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change(
                "create",
                "participant",
                str(participant.id),
                participant.id,
                "screening_number",
                new=number,
            ),
            Change(
                "create",
                "participant",
                str(participant.id),
                participant.id,
                "status",
                new="screening",
            ),
        ],
    )
    return participant


def next_participant_code(session: Session, participant: Participant) -> str:
    """The next ``SITE-nnn`` at the participant's site (call inside the enrolling transaction)."""
    row = _lock_site(session, participant.site.code)
    code = f"{row.code}-{row.next_participant_number:03d}"
    row.next_participant_number += 1
    return code


def transition(
    session: Session,
    *,
    actor: Actor,
    participant: Participant,
    to: str,
    on: date,
    reason: str | None = None,
    now: datetime | None = None,
) -> Participant:
    """Move a participant to status ``to``.

    Raises:
        StateError: the lifecycle does not allow it (both states are named).
        FieldError: a withdrawal or screen failure without a reason.
    """
    require(actor, "enter_data", participant.site.code)
    check_writable(session, participant)
    if to not in TRANSITIONS:
        raise StateError(f"unknown status {to!r}; expected one of: {', '.join(TRANSITIONS)}")
    allowed = TRANSITIONS[participant.status]
    if to not in allowed:
        choices = ", ".join(sorted(allowed)) or "none (final state)"
        raise StateError(
            f"participant {_label(participant)} cannot go from {participant.status} to {to}; "
            f"from {participant.status} it can go to: {choices}"
        )
    if to in ("withdrawn", "screen_failed") and not (reason and reason.strip()):
        raise FieldError("reason", f"a reason is required to record {to}")
    now = now or datetime.now(UTC)
    old = participant.status
    participant.status, participant.status_date, participant.status_reason = to, on, reason
    participant.version += 1
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change(
                "status",
                "participant",
                str(participant.id),
                participant.id,
                "status",
                old=old,
                new=to,
                reason=reason,
            ),
            Change(
                "update", "participant", str(participant.id), participant.id, "status_date", new=on
            ),
        ],
    )
    return participant


def _lock_site(session: Session, code: str) -> Site:
    # populate_existing: the site may already be loaded (participant.site) from before the
    # lock; its counters must be read under the lock, or two enrolments share an ID.
    row = session.scalar(
        select(Site)
        .where(Site.code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        raise NotFoundError("site", code, session.scalars(select(Site.code)))
    return row


def _label(participant: Participant) -> str:
    return participant.participant_code or participant.screening_number
