"""Review: forms awaiting signature, and signing, verifying, locking and unlocking.

A signature needs the signer's password again (21 CFR 11.200); a wrong password signs
nothing and is recorded in the audit trail as a refused signature, so repeated attempts
are visible. Roles are checked by the capture services (capture.signatures, capture.review);
an entry or participant at a site the user cannot see is *not found*.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from psotrial.audit import Change, append_events
from psotrial.capture.access import can_see_site, check_may_change, find_participant
from psotrial.capture.actors import PERMISSIONS
from psotrial.capture.dashboard import list_unsigned_entries
from psotrial.capture.review import (
    lock_entry,
    lock_participant,
    unlock_entry,
    unlock_participant,
    verify_entry,
)
from psotrial.capture.signatures import sign_casebook, sign_entry
from psotrial.db.engine import transaction
from psotrial.db.models import FormEntry, Participant
from psotrial.errors import FieldError, NotFoundError, PermissionDenied
from psotrial.web.auth import PageLogin, check_csrf
from psotrial.web.pages.feedback import read_flash, redirect_back
from psotrial.web.state import WebState, get_state
from psotrial.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]
EntryId = Annotated[int | None, Form(ge=1)]
Pid = Annotated[str, Form(max_length=64)]
Password = Annotated[str, Form(max_length=1024)]
Next = Annotated[str, Form(max_length=2000)]


class _WrongPassword(Exception):
    """The signer's password did not match (carried out of the rolled-back transaction)."""

    def __init__(self, participant_id: int, entity: str, entity_id: str, item: str) -> None:
        super().__init__(item)
        self.participant_id, self.entity, self.entity_id, self.item = (
            participant_id,
            entity,
            entity_id,
            item,
        )


@router.get("/signatures")
def list_signatures_page(
    request: Request,
    state: State,
    login: PageLogin,
    pid: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    """Per participant, the forms waiting to be signed; with ``pid``, each form with its
    actions (sign for the investigator, verify for the monitor, lock for the data manager).
    """
    with state.factory() as session:
        if pid:
            find_participant(session, login.actor, pid)
        rows = list_unsigned_entries(session, actor=login.actor, pid=pid or None)
    counts = Counter(row.pid for row in rows)
    sites = {row.pid: row.site for row in rows}
    role = login.actor.role
    return render(
        request,
        "signatures.html",
        {
            "pid": pid or "",
            "rows": rows if pid else [],
            "summary": [(p, sites[p], n) for p, n in counts.items()],
            "total": len(rows),
            "forms": {f.code: f.name for f in state.protocol.forms},
            "may_sign": role in PERMISSIONS["sign"],
            "may_verify": role in PERMISSIONS["verify"],
            "may_lock": role in PERMISSIONS["lock"],
            "here": str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""),
            "flash": read_flash(request, state, login),
        },
        login=login,
    )


@router.post("/review/sign", dependencies=[Depends(check_csrf)])
def sign_entry_page(
    state: State,
    login: PageLogin,
    entry_id: Annotated[int, Form(ge=1)],
    password: Password,
    next: Next = "/signatures",
) -> RedirectResponse:
    """Sign one form (investigator, password re-entered)."""
    now = state.clock()
    try:
        with transaction(state.factory) as session:
            entry, participant = _visible_entry(session, login, entry_id)
            check_may_change(login.actor, participant, "sign")
            try:
                sign_entry(session, actor=login.actor, password=password, entry=entry, now=now)
            except PermissionDenied:
                raise _WrongPassword(
                    participant.id, "form_entry", str(entry.id), f"entry {entry.id}"
                ) from None
    except _WrongPassword as refused:
        return _refuse(state, login, refused, now, next)
    return redirect_back(next, "/signatures", "signed")


@router.post("/review/sign-casebook", dependencies=[Depends(check_csrf)])
def sign_casebook_page(
    state: State, login: PageLogin, pid: Pid, password: Password, next: Next = "/signatures"
) -> RedirectResponse:
    """Sign a participant's whole casebook (investigator, password re-entered)."""
    now = state.clock()
    try:
        with transaction(state.factory) as session:
            participant = find_participant(session, login.actor, pid)
            check_may_change(login.actor, participant, "sign")
            try:
                sign_casebook(
                    session, actor=login.actor, password=password, participant=participant, now=now
                )
            except PermissionDenied:
                raise _WrongPassword(
                    participant.id, "participant", str(participant.id), "casebook"
                ) from None
    except _WrongPassword as refused:
        return _refuse(state, login, refused, now, next)
    return redirect_back(next, "/signatures", "casebook_signed")


@router.post("/review/verify", dependencies=[Depends(check_csrf)])
def verify_entry_page(
    state: State,
    login: PageLogin,
    entry_id: Annotated[int, Form(ge=1)],
    next: Next = "/signatures",
) -> RedirectResponse:
    """Mark a complete form as source-verified (monitor)."""
    with transaction(state.factory) as session:
        entry, _ = _visible_entry(session, login, entry_id)
        verify_entry(session, actor=login.actor, entry=entry, now=state.clock())
    return redirect_back(next, "/signatures", "verified")


@router.post("/review/lock", dependencies=[Depends(check_csrf)])
def lock_page(
    state: State,
    login: PageLogin,
    entry_id: EntryId = None,
    pid: Annotated[str, Form(max_length=64)] = "",
    next: Next = "/signatures",
) -> RedirectResponse:
    """Lock one form (``entry_id``) or a participant's casebook (``pid``) (data manager)."""
    with transaction(state.factory) as session:
        if entry_id is not None:
            entry, _ = _visible_entry(session, login, entry_id)
            lock_entry(session, actor=login.actor, entry=entry, now=state.clock())
        else:
            participant = _named(session, login, pid)
            lock_participant(session, actor=login.actor, participant=participant, now=state.clock())
    return redirect_back(next, "/signatures", "locked")


@router.post("/review/unlock", dependencies=[Depends(check_csrf)])
def unlock_page(
    state: State,
    login: PageLogin,
    reason: Annotated[str, Form(max_length=2000)] = "",
    entry_id: EntryId = None,
    pid: Annotated[str, Form(max_length=64)] = "",
    next: Next = "/signatures",
) -> RedirectResponse:
    """Unlock one form or a participant's casebook, with a reason (data manager)."""
    with transaction(state.factory) as session:
        if entry_id is not None:
            entry, _ = _visible_entry(session, login, entry_id)
            unlock_entry(session, actor=login.actor, entry=entry, reason=reason, now=state.clock())
        else:
            participant = _named(session, login, pid)
            unlock_participant(
                session,
                actor=login.actor,
                participant=participant,
                reason=reason,
                now=state.clock(),
            )
    return redirect_back(next, "/signatures", "unlocked")


def _visible_entry(
    session: Session, login: PageLogin, entry_id: int
) -> tuple[FormEntry, Participant]:
    entry = session.get(FormEntry, entry_id)
    participant = session.get(Participant, entry.participant_id) if entry else None
    if entry is None or participant is None or not can_see_site(login.actor, participant.site.code):
        raise NotFoundError("form entry", str(entry_id))
    return entry, participant


def _named(session: Session, login: PageLogin, pid: str) -> Participant:
    if not pid:
        raise FieldError("pid", "name the form (entry_id) or the participant (pid)")
    return find_participant(session, login.actor, pid)


def _refuse(
    state: WebState, login: PageLogin, refused: _WrongPassword, now: datetime, target: str
) -> RedirectResponse:
    """Record the refused signature (its own transaction: the signing one rolled back)."""
    with transaction(state.factory) as session:
        append_events(
            session,
            actor=login.actor.username,
            at=now,
            changes=[
                Change(
                    "sign_refused",
                    refused.entity,
                    refused.entity_id,
                    refused.participant_id,
                    refused.item,
                    reason="the password re-entered to sign was not correct",
                )
            ],
        )
    return redirect_back(target, "/signatures", "wrong_password")
