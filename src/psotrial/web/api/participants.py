"""``/api/v1/participants``: list, register, casebook overview, status changes, audit.

A participant is addressed by its ``id``: the screening number (``GZ01-S001``) until
enrolment, the participant code (``GZ01-001``) after; both are accepted in paths. A
participant at a site the caller does not work at answers 404, like one that does not
exist.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from psotrial.capture.access import check_may_change, find_participant
from psotrial.capture.dashboard import compute_site_today
from psotrial.capture.enrolment import enrol, screen_fail
from psotrial.capture.history import item_history
from psotrial.capture.overview import (
    ParticipantOverview,
    ParticipantRow,
    list_participants,
    participant_overview,
)
from psotrial.capture.participants import TRANSITIONS, register_candidate, transition
from psotrial.db.engine import transaction
from psotrial.errors import FieldError
from psotrial.jsoncodec import to_json
from psotrial.web.api.schemas import NO_NUL, Request, errors
from psotrial.web.auth import ApiBearer
from psotrial.web.state import WebState, get_state

__all__ = [
    "AuditEventOut",
    "AuditOut",
    "FormSummary",
    "NewParticipant",
    "ParticipantDetail",
    "ParticipantList",
    "ParticipantListItem",
    "ParticipantOut",
    "RepeatSummary",
    "StatusChange",
    "VisitOut",
    "router",
]

router = APIRouter(prefix="/api/v1/participants", tags=["participants"])

State = Annotated[WebState, Depends(get_state)]
Pid = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$",
        description="Screening number (GZ01-S001) before enrolment, participant code "
        "(GZ01-001) after; either is accepted.",
        examples=["GZ01-001"],
    ),
]
Status = Literal["screening", "screen_failed", "enrolled", "on_treatment", "follow_up",
                 "completed", "withdrawn"]  # fmt: skip
assert set(get_args(Status)) == set(TRANSITIONS)  # the lifecycle is capture's: keep in step


class NewParticipant(Request):
    """A screening candidate to register at ``site``."""

    site: str = Field(min_length=1, max_length=8, pattern=r"^[A-Z][A-Z0-9]*$", examples=["GZ01"])
    screening_date: date
    planned_first_infusion: date | None = None


class ParticipantOut(BaseModel):
    """A participant. ``id`` is the screening number until enrolment, the participant code
    after (``participant_code`` is null until then)."""

    id: str = Field(examples=["GZ01-S001"])
    screening_number: str
    participant_code: str | None
    site: str
    status: Status
    status_date: date
    status_reason: str | None
    screening_date: date
    planned_first_infusion: date | None
    first_infusion: date | None
    locked: bool
    open_queries: int = Field(description="queries not yet closed (open or answered)")


class ParticipantListItem(BaseModel):
    """One participant of the list, with the next planned visit still to take place."""

    id: str
    screening_number: str
    participant_code: str | None
    site: str
    status: Status
    status_date: date
    screening_date: date
    first_infusion: date | None
    locked: bool
    open_queries: int
    next_visit: str | None
    next_visit_target: date | None


class ParticipantList(BaseModel):
    """The participants of the caller's sites, by site and screening number."""

    participants: list[ParticipantListItem]


class RepeatSummary(BaseModel):
    """One entry of a repeating form (``?repeat=N`` addresses it)."""

    repeat: int
    status: str
    version: int
    open_queries: int


class FormSummary(BaseModel):
    """A form at a visit: ``missing`` (version 0) until its first save.

    A repeating form (adverse events, concomitant medications) lists its entries in
    ``repeats``; its ``status`` is the least advanced of them.
    """

    code: str
    name: str
    repeating: bool
    status: str = Field(examples=["missing", "draft", "complete", "verified", "signed", "locked"])
    version: int
    open_queries: int
    repeats: list[RepeatSummary]


class VisitOut(BaseModel):
    """A visit of the protocol: its calendar (null until planned at enrolment) and forms."""

    code: str
    name: str
    epoch: str
    week: int | None
    target_date: date | None
    earliest_date: date | None
    latest_date: date | None
    actual_date: date | None
    window_status: str | None = Field(examples=["in_window", "early", "late"])
    forms: list[FormSummary]


class ParticipantDetail(ParticipantOut):
    """A participant with every visit of the protocol, in order."""

    visits: list[VisitOut]


class StatusChange(Request):
    """A lifecycle step.

    ``enrolled`` is enrolment by an investigator: eligibility is evaluated from the stored
    screening forms and the calendar is planned from ``first_infusion`` (default: the
    planned first infusion given at registration). ``screen_failed`` without a reason
    records the criteria not met. ``withdrawn`` needs a reason. ``on`` defaults to today at
    the participant's site.
    """

    to: Status
    on: date | None = None
    reason: str | None = Field(default=None, max_length=2000, pattern=NO_NUL)
    first_infusion: date | None = None


class AuditEventOut(BaseModel):
    """One audit event placed at its visit, form and item (values as stored)."""

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    visit: str | None
    form: str | None
    repeat: int | None
    item: str | None
    old: Any
    new: Any
    reason: str | None


class AuditOut(BaseModel):
    """A participant's audit trail, oldest first."""

    participant: str
    events: list[AuditEventOut]


@router.get("", responses=errors(401, 422))
def list_participants_api(
    bearer: ApiBearer,
    state: State,
    site: Annotated[str | None, Query(max_length=8, pattern=NO_NUL)] = None,
    status: Annotated[Status | None, Query()] = None,
    search: Annotated[
        str | None,
        Query(
            max_length=32,
            pattern=NO_NUL,
            description="part of the participant code or screening number",
        ),
    ] = None,
) -> ParticipantList:
    """The participants of the caller's sites (every site for monitors, data managers,
    statisticians and admins), optionally narrowed by site, status and search text."""
    with state.factory() as session:
        actor = bearer.login(session).actor
        rows = list_participants(session, actor, site=site, status=status, search=search)
    return ParticipantList(participants=[_list_item(row) for row in rows])


@router.post("", status_code=201, responses=errors(400, 401, 403, 404, 409, 422))
def create_participant(body: NewParticipant, bearer: ApiBearer, state: State) -> ParticipantOut:
    """Register a screening candidate (coordinators and investigators of the site).

    The answer's ``id`` is the new **screening number** (``GZ01-S001``): a candidate gets
    its participant code (``SITE-NNN``, e.g. ``GZ01-001``) only at enrolment, and from then
    on ``id`` is that code. Both stay valid in paths.
    """
    with transaction(state.factory) as session:
        actor = bearer.login(session).actor
        participant = register_candidate(
            session,
            actor=actor,
            site=body.site,
            screening_date=body.screening_date,
            planned_first_infusion=body.planned_first_infusion,
            now=state.clock(),
        )
        overview = participant_overview(
            session, actor, participant.screening_number, state.protocol
        )
    return _participant_out(overview)


@router.get("/{pid}", responses=errors(401, 404, 422))
def show_participant(pid: Pid, bearer: ApiBearer, state: State) -> ParticipantDetail:
    """A participant's casebook: every visit of the protocol with its calendar and the
    codes and statuses of its forms."""
    with state.factory() as session:
        actor = bearer.login(session).actor
        overview = participant_overview(session, actor, pid, state.protocol)
    return ParticipantDetail(
        **_participant_out(overview).model_dump(),
        visits=[
            VisitOut(
                code=visit.code,
                name=visit.name,
                epoch=visit.epoch,
                week=visit.week,
                target_date=visit.target_date,
                earliest_date=visit.earliest_date,
                latest_date=visit.latest_date,
                actual_date=visit.actual_date,
                window_status=visit.window_status,
                forms=[
                    FormSummary(
                        code=form.code,
                        name=form.name,
                        repeating=form.repeating,
                        status=form.status,
                        version=form.version,
                        open_queries=form.open_queries,
                        repeats=[
                            RepeatSummary(
                                repeat=entry.repeat,
                                status=entry.status,
                                version=entry.version,
                                open_queries=entry.open_queries,
                            )
                            for entry in form.repeats
                        ],
                    )
                    for form in visit.forms
                ],
            )
            for visit in overview.visits
        ],
    )


@router.post("/{pid}/transitions", responses=errors(400, 401, 403, 404, 409, 422))
def change_status(pid: Pid, body: StatusChange, bearer: ApiBearer, state: State) -> ParticipantOut:
    """Move a participant along its lifecycle::

        screening -> screen_failed | enrolled -> on_treatment -> follow_up -> completed
        withdrawn from screening, enrolled, on_treatment or follow_up

    Enrolment (``"to": "enrolled"``) is an investigator's; the other steps are for
    coordinators and investigators of the site. A step the lifecycle does not allow, or
    enrolling a candidate who is not eligible, answers 409 naming the reason.
    """
    now = state.clock()
    with transaction(state.factory) as session:
        actor = bearer.login(session).actor
        participant = find_participant(session, actor, pid, for_update=True)
        on = body.on or compute_site_today(now, participant.site.timezone)
        if body.to == "enrolled":
            check_may_change(actor, participant, "enrol")
            first = body.first_infusion or participant.planned_first_infusion
            if first is None:
                raise FieldError("first_infusion", "give the date of the first infusion to enrol")
            enrol(
                session,
                protocol=state.protocol,
                actor=actor,
                participant=participant,
                first_infusion=first,
                on=on,
                now=now,
            )
        elif body.to == "screen_failed" and not (body.reason and body.reason.strip()):
            check_may_change(actor, participant, "enter_data")
            screen_fail(
                session, protocol=state.protocol, actor=actor, participant=participant, now=now
            )
        else:
            transition(
                session,
                actor=actor,
                participant=participant,
                to=body.to,
                on=on,
                reason=body.reason,
                now=now,
            )
        overview = participant_overview(session, actor, pid, state.protocol)
    return _participant_out(overview)


@router.get("/{pid}/audit", responses=errors(401, 404, 422))
def show_audit(
    pid: Pid,
    bearer: ApiBearer,
    state: State,
    visit: Annotated[str | None, Query(max_length=8, pattern=NO_NUL)] = None,
    form: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    item: Annotated[str | None, Query(max_length=128, pattern=NO_NUL)] = None,
) -> AuditOut:
    """Every audit event of the participant, oldest first: who, when (UTC), what, old and
    new value, and the reason for a change. Narrow by visit, form and item (the protocol's
    item names, e.g. ``head.erythema``; ``_status`` is a form's status)."""
    with state.factory() as session:
        actor = bearer.login(session).actor
        participant = find_participant(session, actor, pid)
        events = item_history(session, participant.id, visit=visit, form=form, item=item)
        label = participant.participant_code or participant.screening_number
    return AuditOut(
        participant=label,
        events=[
            AuditEventOut(
                id=event.id,
                at=event.at,
                actor=event.actor,
                action=event.action,
                entity=event.entity,
                visit=event.visit,
                form=event.form,
                repeat=event.repeat,
                item=event.item,
                old=to_json(event.old),
                new=to_json(event.new),
                reason=event.reason,
            )
            for event in events
        ],
    )


def _participant_out(overview: ParticipantOverview) -> ParticipantOut:
    return ParticipantOut(
        id=overview.pid,
        screening_number=overview.screening_number,
        participant_code=overview.participant_code,
        site=overview.site,
        status=overview.status,
        status_date=overview.status_date,
        status_reason=overview.status_reason,
        screening_date=overview.screening_date,
        planned_first_infusion=overview.planned_first_infusion,
        first_infusion=overview.first_infusion,
        locked=overview.locked,
        open_queries=overview.open_queries,
    )


def _list_item(row: ParticipantRow) -> ParticipantListItem:
    return ParticipantListItem(
        id=row.pid,
        screening_number=row.screening_number,
        participant_code=row.participant_code,
        site=row.site,
        status=row.status,
        status_date=row.status_date,
        screening_date=row.screening_date,
        first_infusion=row.first_infusion,
        locked=row.locked,
        open_queries=row.open_queries,
        next_visit=row.next_visit,
        next_visit_target=row.next_visit_target,
    )
