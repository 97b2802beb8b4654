"""``/api/v1/queries``: list, raise, answer and close data queries.

A query sits on a participant, on a visit's date, or on one item of a saved form. Open ->
answered -> closed (a query may be closed straight from open). Who may: raise -
coordinators, investigators, monitors, data managers; answer - coordinators and
investigators of the site; close - monitors and data managers (capture.actors). A query
of a participant the caller cannot see answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from psotrial.capture.access import can_see_site, find_participant
from psotrial.capture.actors import Actor
from psotrial.capture.dashboard import QueryRow, list_queries
from psotrial.capture.entries import find_entry
from psotrial.capture.queries import answer_query, close_query, open_query
from psotrial.db.engine import transaction
from psotrial.db.models import Participant
from psotrial.db.models import Query as QueryModel
from psotrial.errors import FieldError, NotFoundError
from psotrial.web.api.forms import form_at_visit
from psotrial.web.api.schemas import NO_NUL, Request, errors
from psotrial.web.auth import ApiBearer
from psotrial.web.state import WebState, get_state

__all__ = ["QueryAnswer", "QueryClose", "QueryList", "QueryNew", "QueryOut", "router"]

router = APIRouter(prefix="/api/v1/queries", tags=["queries"])

State = Annotated[WebState, Depends(get_state)]
QueryId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Pid = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")]


class QueryOut(BaseModel):
    """A query, placed at its visit, form (with repeat number) and item where it has one."""

    id: int
    participant: str
    site: str
    visit: str | None
    form: str | None
    repeat: int | None
    item: str | None
    check_id: str | None = Field(description="the edit check that raised it (EC001...)")
    message: str
    status: Literal["open", "answered", "closed"]
    opened_by: str
    opened_at: datetime
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_note: str | None


class QueryList(BaseModel):
    """Queries of the caller's sites, newest first."""

    queries: list[QueryOut]


class QueryNew(Request):
    """A query to raise: on a participant (no visit, form or item), on a visit's date
    (``visit`` and ``item: "actual_date"``), or on a saved form (``visit``, ``form``,
    ``repeat`` for a repeating form) and optionally one of its items (protocol item names,
    e.g. ``head.erythema``)."""

    participant: Pid
    visit: str | None = Field(default=None, max_length=8, pattern=NO_NUL)
    form: str | None = Field(default=None, max_length=64, pattern=NO_NUL)
    repeat: int = Field(default=0, ge=0, le=999)
    item: str | None = Field(default=None, min_length=1, max_length=128, pattern=NO_NUL)
    message: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)


class QueryAnswer(Request):
    """The site's answer."""

    answer: str = Field(min_length=1, max_length=2000, pattern=NO_NUL)


class QueryClose(Request):
    """An optional note on closing."""

    note: str = Field(default="", max_length=2000, pattern=NO_NUL)


@router.get("", responses=errors(401, 422))
def list_queries_api(
    bearer: ApiBearer,
    state: State,
    status: Annotated[Literal["open", "answered", "closed"] | None, Query()] = None,
    site: Annotated[str | None, Query(max_length=8, pattern=NO_NUL)] = None,
    participant: Annotated[str | None, Query(max_length=32, pattern=NO_NUL)] = None,
    visit: Annotated[str | None, Query(max_length=8, pattern=NO_NUL)] = None,
    form: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    item: Annotated[str | None, Query(max_length=128, pattern=NO_NUL)] = None,
) -> QueryList:
    """Queries of the caller's sites, narrowed by status, site, participant, visit, form
    and item."""
    with state.factory() as session:
        actor = bearer.login(session).actor
        rows = list_queries(
            session,
            actor=actor,
            status=status,
            site=site,
            pid=participant,
            visit=visit,
            form=form,
            item=item,
        )
    return QueryList(queries=[_query_out(row) for row in rows])


@router.post("", status_code=201, responses=errors(400, 401, 403, 404, 422))
def raise_query(body: QueryNew, bearer: ApiBearer, state: State) -> QueryOut:
    """Raise a query (coordinators, investigators, monitors and data managers)."""
    with transaction(state.factory) as session:
        actor = bearer.login(session).actor
        participant = find_participant(session, actor, body.participant)
        entry, item = None, body.item
        if body.form is not None:
            if body.visit is None:
                raise FieldError("visit", "give the visit of the form")
            spec = form_at_visit(state.protocol, body.visit, body.form, body.repeat)
            entry = find_entry(session, participant, body.visit, body.form, body.repeat)
            if entry is None:
                raise NotFoundError(f"saved form at {body.visit}", body.form)
            if item is not None and spec.item(item) is None and spec.lab_test(item) is None:
                names = [i.name for i in spec.items] + [t.code for t in spec.lab_tests]
                raise FieldError(
                    "item", f"{item!r} is not an item of {body.form}: {', '.join(names)}"
                )
        elif body.visit is not None:
            state.protocol.visit(body.visit)
            if item != "actual_date":
                raise FieldError("item", "a query on a visit is on its date: item actual_date")
            item = f"{body.visit}.actual_date"  # as the window check names it (capture.visits)
        elif item is not None:
            raise FieldError("item", "give the visit and form the item belongs to")
        query = open_query(
            session,
            actor=actor,
            participant=participant,
            message=body.message,
            entry=entry,
            item=item,
            now=state.clock(),
        )
        return _one(session, actor, participant, query.id)


@router.post("/{query_id}/answer", responses=errors(400, 401, 403, 404, 409, 422))
def answer_query_api(
    query_id: QueryId, body: QueryAnswer, bearer: ApiBearer, state: State
) -> QueryOut:
    """Answer an open query (coordinators and investigators of the site)."""
    with transaction(state.factory) as session:
        actor = bearer.login(session).actor
        participant = _visible_query(session, actor, query_id)
        answer_query(session, actor=actor, query_id=query_id, answer=body.answer, now=state.clock())
        return _one(session, actor, participant, query_id)


@router.post("/{query_id}/close", responses=errors(400, 401, 403, 404, 409, 422))
def close_query_api(
    query_id: QueryId, body: QueryClose, bearer: ApiBearer, state: State
) -> QueryOut:
    """Close a query (monitors and data managers)."""
    with transaction(state.factory) as session:
        actor = bearer.login(session).actor
        participant = _visible_query(session, actor, query_id)
        close_query(session, actor=actor, query_id=query_id, note=body.note, now=state.clock())
        return _one(session, actor, participant, query_id)


def _visible_query(session: Session, actor: Actor, query_id: int) -> Participant:
    """The participant of query ``query_id``; NotFoundError when the caller cannot see it."""
    query = session.get(QueryModel, query_id)
    participant = session.get(Participant, query.participant_id) if query else None
    if participant is None or not can_see_site(actor, participant.site.code):
        raise NotFoundError("query", str(query_id))
    return participant


def _one(session: Session, actor: Actor, participant: Participant, query_id: int) -> QueryOut:
    label = participant.participant_code or participant.screening_number
    session.flush()
    [row] = [row for row in list_queries(session, actor=actor, pid=label) if row.id == query_id]
    return _query_out(row)


def _query_out(row: QueryRow) -> QueryOut:
    return QueryOut(
        id=row.id,
        participant=row.pid,
        site=row.site,
        visit=row.visit,
        form=row.form,
        repeat=row.repeat,
        item=row.item,
        check_id=row.check_id,
        message=row.message,
        status=row.status,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        answer=row.answer,
        answered_by=row.answered_by,
        answered_at=row.answered_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
        close_note=row.close_note,
    )
