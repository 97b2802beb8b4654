"""Status follows the data: the lifecycle steps a recorded fact implies, made explicitly.

* enrolled -> on_treatment: an infusion is recorded as given;
* on_treatment -> follow_up: the last visit of the treatment epoch has its date;
* follow_up -> completed: the end-of-study form says completed;
* any active state -> withdrawn: the end-of-study form gives another disposition.

Called by the services that record those facts (never by ORM events).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from psotrial.capture.actors import Actor
from psotrial.capture.participants import ACTIVE, transition
from psotrial.db.models import FormEntry, Participant, Visit
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import Protocol

__all__ = ["advance_status"]

# Built once (every recorded visit runs them): building a SELECT costs more CPU than
# SQLite takes to run it.
_VISIT_DATE = select(Visit.actual_date).where(
    Visit.participant_id == bindparam("participant_id"), Visit.visit_code == bindparam("code")
)
_INFUSIONS = select(FormEntry.data).where(
    FormEntry.participant_id == bindparam("participant_id"), FormEntry.form_code == "infusion"
)
_END_OF_STUDY = select(FormEntry.data).where(
    FormEntry.participant_id == bindparam("participant_id"),
    FormEntry.form_code == "end_of_study",
    FormEntry.status != "draft",
)


def advance_status(
    session: Session, *, protocol: Protocol, actor: Actor, participant: Participant, now: datetime
) -> None:
    """Apply every lifecycle step the stored data now implies."""
    if participant.status == "enrolled" and _infused(session, participant):
        transition(
            session,
            actor=actor,
            participant=participant,
            to="on_treatment",
            on=participant.first_infusion or now.date(),
            now=now,
        )
    treatment_end = _last_treatment_visit(protocol)
    if participant.status == "on_treatment" and treatment_end is not None:
        done = session.scalar(
            _VISIT_DATE, {"participant_id": participant.id, "code": treatment_end}
        )
        if done is not None:
            transition(
                session, actor=actor, participant=participant, to="follow_up", on=done, now=now
            )
    disposition = _end_of_study(session, participant)
    if disposition is not None and participant.status in ACTIVE:
        status, on, reason = disposition
        if status == "completed" and participant.status == "follow_up":
            transition(
                session, actor=actor, participant=participant, to="completed", on=on, now=now
            )
        elif status != "completed":
            transition(
                session,
                actor=actor,
                participant=participant,
                to="withdrawn",
                on=on,
                reason=reason or status,
                now=now,
            )


def _infused(session: Session, participant: Participant) -> bool:
    for data in session.scalars(_INFUSIONS, {"participant_id": participant.id}):
        if loads_exact(data).get("completed") is not None:
            return True
    return False


def _last_treatment_visit(protocol: Protocol) -> str | None:
    """The last visit of the epoch holding the infusions (the end of treatment)."""
    first_infusion = protocol.visit(protocol.arm().infusion_visits[0])
    codes = [v.code for v in protocol.visits if v.epoch == first_infusion.epoch]
    return codes[-1] if codes else None


def _end_of_study(
    session: Session, participant: Participant
) -> tuple[str, date, str | None] | None:
    data = session.scalar(_END_OF_STUDY, {"participant_id": participant.id})
    if data is None:
        return None
    values = loads_exact(data)
    return str(values["status"]), date.fromisoformat(values["date"]), values.get("reason")
