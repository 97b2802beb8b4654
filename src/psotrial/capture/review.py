"""Review and locks: source-data verification, and locking a form, a participant or the database.

Locked data cannot be changed; only a data manager unlocks it, with a reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from psotrial.audit import STATUS_ITEM, Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.participants import forget_study_lock
from psotrial.capture.study import get_study
from psotrial.db.models import FormEntry, Participant
from psotrial.errors import FieldError, StateError

__all__ = [
    "lock_entry",
    "lock_participant",
    "lock_study",
    "unlock_entry",
    "unlock_participant",
    "unlock_study",
    "verify_entry",
]


def verify_entry(
    session: Session, *, actor: Actor, entry: FormEntry, now: datetime | None = None
) -> FormEntry:
    """A monitor marks a complete form as source-verified."""
    participant = session.get_one(Participant, entry.participant_id)
    require(actor, "verify", participant.site.code)
    if entry.status != "complete":
        raise StateError(
            f"{entry.form_code} at {entry.visit_code} is {entry.status}; "
            "only a complete form can be verified"
        )
    _set_status(session, actor, entry, "verified", None, now)
    return entry


def lock_entry(
    session: Session, *, actor: Actor, entry: FormEntry, now: datetime | None = None
) -> None:
    """Lock one form (data manager)."""
    require(actor, "lock")
    if entry.locked:
        raise StateError(f"{entry.form_code} at {entry.visit_code} is already locked")
    entry.locked = True
    _set_status(session, actor, entry, "locked", None, now, keep=entry.status)


def unlock_entry(
    session: Session, *, actor: Actor, entry: FormEntry, reason: str, now: datetime | None = None
) -> None:
    """Unlock one form (data manager, with a reason); it returns to complete."""
    require(actor, "lock")
    _need_reason(reason)
    if not entry.locked:
        raise StateError(f"{entry.form_code} at {entry.visit_code} is not locked")
    entry.locked = False
    _set_status(session, actor, entry, "complete", reason, now)


def lock_participant(
    session: Session, *, actor: Actor, participant: Participant, now: datetime | None = None
) -> None:
    """Lock a participant's whole casebook."""
    _set_lock(session, actor, participant, True, None, now)


def unlock_participant(
    session: Session,
    *,
    actor: Actor,
    participant: Participant,
    reason: str,
    now: datetime | None = None,
) -> None:
    """Unlock a participant (data manager, with a reason)."""
    _need_reason(reason)
    _set_lock(session, actor, participant, False, reason, now)


def lock_study(session: Session, *, actor: Actor, now: datetime | None = None) -> None:
    """Lock the whole database."""
    _set_study_lock(session, actor, True, None, now)


def unlock_study(
    session: Session, *, actor: Actor, reason: str, now: datetime | None = None
) -> None:
    """Unlock the database (data manager, with a reason)."""
    _need_reason(reason)
    _set_study_lock(session, actor, False, reason, now)


def _need_reason(reason: str) -> None:
    if not reason.strip():
        raise FieldError("reason", "unlocking needs a reason")


def _set_status(
    session: Session,
    actor: Actor,
    entry: FormEntry,
    status: str,
    reason: str | None,
    now: datetime | None,
    keep: str | None = None,
) -> None:
    now = now or datetime.now(UTC)
    old = entry.status
    entry.status = status
    entry.version += 1
    entry.updated_at, entry.updated_by = now, actor.username
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change(
                "status",
                "form_entry",
                str(entry.id),
                entry.participant_id,
                STATUS_ITEM,
                old=old,
                new=status,
                reason=reason if keep is None else f"locked from {keep}",
            )
        ],
    )


def _set_lock(
    session: Session,
    actor: Actor,
    participant: Participant,
    locked: bool,
    reason: str | None,
    now: datetime | None,
) -> None:
    require(actor, "lock")
    if participant.locked == locked:
        raise StateError(f"participant is already {'locked' if locked else 'unlocked'}")
    now = now or datetime.now(UTC)
    participant.locked = locked
    participant.version += 1
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change(
                "lock" if locked else "unlock",
                "participant",
                str(participant.id),
                participant.id,
                "locked",
                old=not locked,
                new=locked,
                reason=reason,
            )
        ],
    )


def _set_study_lock(
    session: Session, actor: Actor, locked: bool, reason: str | None, now: datetime | None
) -> None:
    require(actor, "lock")
    study = get_study(session)
    if study.locked == locked:
        raise StateError(f"the database is already {'locked' if locked else 'unlocked'}")
    now = now or datetime.now(UTC)
    study.locked = locked
    forget_study_lock(session)
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change(
                "lock" if locked else "unlock",
                "study",
                str(study.id),
                None,
                "locked",
                old=not locked,
                new=locked,
                reason=reason,
            )
        ],
    )
