"""Queries: the list with filters, and raising, answering and closing one.

A query sits on a participant, a form entry, or one item of it (capture.queries). The
page only looks up what the user names and hands it to the capture service, which checks
the role; a participant or query at a site the user cannot see is *not found*.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from psotrial.capture.access import can_see_site, find_participant, visible_site_codes
from psotrial.capture.actors import PERMISSIONS
from psotrial.capture.dashboard import QUERY_STATUSES, list_queries
from psotrial.capture.entries import find_entry
from psotrial.capture.queries import answer_query, close_query, open_query
from psotrial.capture.sites import list_sites
from psotrial.db.engine import transaction
from psotrial.db.models import FormEntry, Participant
from psotrial.db.models import Query as QueryRow
from psotrial.errors import FieldError, NotFoundError
from psotrial.protocol import Protocol
from psotrial.web.auth import PageLogin, check_csrf
from psotrial.web.pages.feedback import read_flash, redirect_back
from psotrial.web.state import WebState, get_state
from psotrial.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]
Text = Annotated[str | None, Query(max_length=128)]
Field = Annotated[str, Form(max_length=128)]
Next = Annotated[str, Form(max_length=2000)]


@router.get("/queries")
def list_queries_page(
    request: Request,
    state: State,
    login: PageLogin,
    status: Text = None,
    site: Text = None,
    pid: Text = None,
    visit: Text = None,
    form: Text = None,
    item: Text = None,
) -> HTMLResponse:
    """Queries of the user's sites; with ``pid`` given, a form to raise one there."""
    with state.factory() as session:
        rows = list_queries(
            session,
            actor=login.actor,
            status=status or None,
            site=site or None,
            pid=pid or None,
            visit=visit or None,
            form=form or None,
            item=item or None,
        )
        visible = visible_site_codes(login.actor)
        sites = [s.code for s in list_sites(session) if visible is None or s.code in visible]
    role = login.actor.role
    return render(
        request,
        "queries.html",
        {
            "rows": rows,
            "sites": sites,
            "statuses": QUERY_STATUSES,
            "filters": {
                "status": status or "",
                "site": site or "",
                "pid": pid or "",
                "visit": visit or "",
                "form": form or "",
                "item": item or "",
            },
            "visits": [v.code for v in state.protocol.visits],
            "forms": {f.code: f.name for f in state.protocol.forms},
            "may_open": role in PERMISSIONS["open_query"],
            "may_answer": role in PERMISSIONS["answer_query"],
            "may_close": role in PERMISSIONS["close_query"],
            "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            "flash": read_flash(request, state, login),
        },
        login=login,
    )


@router.post("/queries", dependencies=[Depends(check_csrf)])
def raise_query(
    state: State,
    login: PageLogin,
    pid: Field,
    text: Annotated[str, Form(max_length=4000)],
    visit: Field = "",
    form: Field = "",
    item: Field = "",
    repeat: Annotated[int, Form(ge=0, le=999)] = 0,
    next: Next = "/queries",
) -> RedirectResponse:
    """Raise a query on a participant, a visit's date, a form, or one item of a form."""
    with transaction(state.factory) as session:
        participant = find_participant(session, login.actor, pid)
        entry, where = _locate(session, state.protocol, participant, visit, form, item, repeat)
        open_query(
            session,
            actor=login.actor,
            participant=participant,
            message=text,
            entry=entry,
            item=where,
            now=state.clock(),
        )
    return redirect_back(next, "/queries", "query_raised")


@router.post("/queries/{query_id}/answer", dependencies=[Depends(check_csrf)])
def answer_query_page(
    state: State,
    login: PageLogin,
    query_id: int,
    answer: Annotated[str, Form(max_length=4000)],
    next: Next = "/queries",
) -> RedirectResponse:
    """Answer an open query (coordinator, investigator)."""
    with transaction(state.factory) as session:
        _visible_query(session, login, query_id)
        answer_query(
            session, actor=login.actor, query_id=query_id, answer=answer, now=state.clock()
        )
    return redirect_back(next, "/queries", "query_answered")


@router.post("/queries/{query_id}/close", dependencies=[Depends(check_csrf)])
def close_query_page(
    state: State,
    login: PageLogin,
    query_id: int,
    note: Annotated[str, Form(max_length=4000)] = "",
    next: Next = "/queries",
) -> RedirectResponse:
    """Close a query (monitor, data manager)."""
    with transaction(state.factory) as session:
        _visible_query(session, login, query_id)
        close_query(session, actor=login.actor, query_id=query_id, note=note, now=state.clock())
    return redirect_back(next, "/queries", "query_closed")


def _visible_query(session: Session, login: PageLogin, query_id: int) -> None:
    """Refuse a query that does not exist or sits at a site the user cannot see (404)."""
    query = session.get(QueryRow, query_id)
    participant = session.get(Participant, query.participant_id) if query else None
    if participant is None or not can_see_site(login.actor, participant.site.code):
        raise NotFoundError("query", str(query_id))


def _locate(
    session: Session,
    protocol: Protocol,
    participant: Participant,
    visit: str,
    form: str,
    item: str,
    repeat: int,
) -> tuple[FormEntry | None, str | None]:
    """The entry and the item name a query is raised on (a visit's date: ``W2.actual_date``)."""
    if not form:
        if visit:
            protocol.visit(visit)
            return None, f"{visit}.{item or 'actual_date'}"
        return None, item or None
    if not visit:
        raise FieldError("visit", "a query on a form needs its visit")
    protocol.visit(visit)
    spec = protocol.form(form)
    entry = find_entry(session, participant, visit, form, repeat)
    if entry is None:
        raise NotFoundError("form entry", f"{form} at {visit}")
    if item and spec.item(item) is None and spec.lab_test(item.split(".")[0]) is None:
        names = [i.name for i in spec.items] or [t.code for t in spec.lab_tests]
        raise FieldError("item", f"{form} has no item {item!r}; its items: {', '.join(names)}")
    return entry, item or None
