"""Screening to enrolment: evaluate eligibility from the stored screening forms, store the
verdict per criterion, and enrol only an eligible candidate confirmed by an investigator.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.entries import entry_values
from psotrial.capture.participants import check_writable, next_participant_code, transition
from psotrial.capture.visits import plan_visits
from psotrial.db.models import CriterionVerdict, FormEntry, Participant
from psotrial.errors import StateError
from psotrial.protocol import Protocol
from psotrial.protocol.answers import read_form
from psotrial.screening import EligibilityResult, ScreeningRecord, evaluate_eligibility

__all__ = ["enrol", "evaluate_screening", "screen_fail", "screening_record"]

CONFIRMATION_FORM = "eligibility_confirmation"


def screening_record(
    session: Session, protocol: Protocol, participant: Participant
) -> ScreeningRecord:
    """The participant's stored screening forms as a screening record.

    Investigator confirmations are the eligibility-confirmation form's items named by
    criterion ID (``ex05: true``).
    """
    screening = protocol.visits[0].code
    forms = {}
    for entry in session.scalars(
        select(FormEntry).where(
            FormEntry.participant_id == participant.id,
            FormEntry.visit_code == screening,
            FormEntry.repeat_index == 0,
        )
    ):
        spec = protocol.form(entry.form_code)
        forms[entry.form_code] = read_form(spec, entry_values(entry))
    confirmable = {c.id for c in protocol.criteria if c.investigator_confirms}
    confirmation = forms.get(CONFIRMATION_FORM, {})
    confirmations = {
        name.upper(): value
        for name, value in confirmation.items()
        if name.upper() in confirmable and isinstance(value, bool)
    }
    return ScreeningRecord(
        participant.screening_date, participant.planned_first_infusion, forms, confirmations
    )


def evaluate_screening(
    session: Session,
    *,
    protocol: Protocol,
    actor: Actor,
    participant: Participant,
    now: datetime | None = None,
) -> EligibilityResult:
    """Evaluate eligibility and store each criterion's verdict (audited when it changes)."""
    require(actor, "enter_data", participant.site.code)
    now = now or datetime.now(UTC)
    result = evaluate_eligibility(protocol, screening_record(session, protocol, participant))
    stored = {
        v.criterion_id: v
        for v in session.scalars(
            select(CriterionVerdict).where(CriterionVerdict.participant_id == participant.id)
        )
    }
    changes = []
    for verdict in result.criteria:
        row = stored.get(verdict.id)
        if row is None:
            row = CriterionVerdict(participant_id=participant.id, criterion_id=verdict.id)
            session.add(row)
        elif row.status == verdict.status and row.reason == verdict.reason:
            continue
        changes.append(
            Change(
                "eligibility",
                "criterion_verdict",
                f"{participant.id}:{verdict.id}",
                participant.id,
                verdict.id,
                old=row.status,
                new=verdict.status,
                reason=verdict.reason,
            )
        )
        row.status, row.reason = verdict.status, verdict.reason
        row.evaluated_at, row.evaluated_by = now, actor.username
    session.flush()
    append_events(session, actor=actor.username, at=now, changes=changes)
    return result


def enrol(
    session: Session,
    *,
    protocol: Protocol,
    actor: Actor,
    participant: Participant,
    first_infusion: date,
    on: date | None = None,
    now: datetime | None = None,
) -> Participant:
    """Enrol an eligible candidate; the acting investigator's enrolment is the confirmation.

    ``on`` is the date of enrolment (default: today).

    Raises:
        PermissionDenied: the actor is not an investigator at the site.
        StateError: not in screening, or not eligible (the failing criteria are named).
    """
    require(actor, "enrol", participant.site.code)
    check_writable(session, participant)
    if participant.status != "screening":
        raise StateError(f"{participant.screening_number} is {participant.status}, not screening")
    if first_infusion < participant.screening_date:
        raise StateError("the first infusion cannot be before the screening date")
    now = now or datetime.now(UTC)
    participant.planned_first_infusion = participant.planned_first_infusion or first_infusion
    # The site row (its ID counter) before the audit head, the order registration takes
    # them in: the other order deadlocks with a concurrent registration on PostgreSQL
    # (tests/reliability/test_concurrent_clients.py). A refusal below rolls the number back.
    code = next_participant_code(session, participant)
    result = evaluate_screening(
        session, protocol=protocol, actor=actor, participant=participant, now=now
    )
    if not result.eligible:
        failing = [f"{c.id} {c.status}" for c in result.criteria if c.status != "met"]
        raise StateError(f"{participant.screening_number} is not eligible: {'; '.join(failing)}")
    participant.participant_code, participant.first_infusion = code, first_infusion
    plan_visits(session, protocol=protocol, participant=participant, first_infusion=first_infusion)
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
                "participant_code",
                new=code,
            ),
            Change(
                "update",
                "participant",
                str(participant.id),
                participant.id,
                "first_infusion",
                new=first_infusion,
            ),
        ],
    )
    transition(
        session, actor=actor, participant=participant, to="enrolled", on=on or now.date(), now=now
    )
    return participant


def screen_fail(
    session: Session,
    *,
    protocol: Protocol,
    actor: Actor,
    participant: Participant,
    now: datetime | None = None,
) -> Participant:
    """Record a screen failure, its reason the criteria not met."""
    now = now or datetime.now(UTC)
    result = evaluate_screening(
        session, protocol=protocol, actor=actor, participant=participant, now=now
    )
    failing = [c.id for c in result.criteria if c.status == "not_met"]
    reason = "not met: " + ", ".join(failing) if failing else "not eligible (incomplete screening)"
    return transition(
        session,
        actor=actor,
        participant=participant,
        to="screen_failed",
        on=now.date(),
        reason=reason,
        now=now,
    )
