"""Screening: candidates in screening, registering one, the screening forms and every
criterion's verdict, enrolment (investigator) and screen failure.

Verdicts are evaluated on every view from the stored screening forms by the pure
``screening.evaluate_eligibility`` (``capture.enrolment.screening_record`` reads the
forms), so they follow each save; viewing stores nothing. Enrolment and screen failure go
through ``capture.enrolment``, which evaluates again, stores each verdict (audited) and
refuses a candidate who is not eligible or a user who may not.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from psotrial.capture.access import check_may_change, find_participant
from psotrial.capture.actors import ALL_SITES_ROLES, PERMISSIONS
from psotrial.capture.dashboard import compute_site_today
from psotrial.capture.enrolment import enrol, screen_fail, screening_record
from psotrial.capture.overview import list_participants
from psotrial.capture.participants import register_candidate
from psotrial.capture.sessions import Login
from psotrial.capture.sites import list_sites
from psotrial.capture.visits import record_visit
from psotrial.db.engine import transaction
from psotrial.db.models import FormEntry, Participant
from psotrial.errors import FieldError, FieldErrors, LockedError, PermissionDenied, StateError
from psotrial.screening import EligibilityResult, evaluate_eligibility
from psotrial.web.auth import PageLogin, check_csrf
from psotrial.web.state import WebState, get_state
from psotrial.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]
FormText = Annotated[str, Form(max_length=100)]


def _read_date(
    state: WebState, login: Login, text: str, field: str, *, required: bool = True
) -> date | None:
    if not text.strip():
        if required:
            message = state.catalogs.gettext_for(login.language, "A date is required (YYYY-MM-DD).")
            raise FieldError(field, message)
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        message = state.catalogs.gettext_for(
            login.language, "Expected a date as YYYY-MM-DD, got %(value)s."
        )
        raise FieldError(field, message % {"value": repr(text)}) from None


def _entry_sites(login: Login, state: WebState, session: Session) -> list[Any]:
    """Sites where the user may register a candidate."""
    if login.actor.role not in PERMISSIONS["enter_data"]:
        return []
    return [site for site in list_sites(session) if site.code in login.actor.sites]


def _render_list(
    request: Request,
    state: WebState,
    login: Login,
    *,
    errors: dict[str, str] | None = None,
    entered: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    screening = state.protocol.visits[0].code
    with state.factory() as session:
        rows = list_participants(session, login.actor, status="screening")
        sites = _entry_sites(login, state, session)
        today = compute_site_today(state.clock(), sites[0].timezone) if sites else None
        done = {
            pid: int(count)
            for pid, count in session.execute(
                select(FormEntry.participant_id, func.count())
                .where(
                    FormEntry.participant_id.in_([row.id for row in rows]),
                    FormEntry.visit_code == screening,
                    FormEntry.status != "draft",
                )
                .group_by(FormEntry.participant_id)
            ).all()
        }
        verdicts = {
            row.id: _evaluate(state, session, session.get_one(Participant, row.id)) for row in rows
        }
    context = {
        "rows": rows,
        "sites": sites,
        "forms_done": done,
        "verdicts": verdicts,
        "forms_due": len(state.protocol.visits[0].forms),
        "errors": errors or {},
        "entered": entered
        or {"site": sites[0].code if sites else "", "screening_date": str(today or "")},
        "all_sites": login.actor.role in ALL_SITES_ROLES,
    }
    return render(request, "screening.html", context, status_code=status_code, login=login)


@router.get("/screening")
def list_screening(request: Request, state: State, login: PageLogin) -> HTMLResponse:
    """Candidates in screening at the user's sites, and a form to register a new one."""
    return _render_list(request, state, login)


@router.post("/screening", dependencies=[Depends(check_csrf)])
def register_screening(
    request: Request,
    state: State,
    login: PageLogin,
    site: FormText = "",
    screening_date: FormText = "",
    planned_first_infusion: FormText = "",
) -> Response:
    """Register a candidate (screening number ``SITE-Snnn``) and date the screening visit."""
    entered = {
        "site": site,
        "screening_date": screening_date,
        "planned_first_infusion": planned_first_infusion,
    }
    now = state.clock()
    try:
        with transaction(state.factory) as session:
            on = _read_date(state, login, screening_date, "screening_date")
            assert on is not None
            planned = _read_date(
                state, login, planned_first_infusion, "planned_first_infusion", required=False
            )
            participant = register_candidate(
                session,
                actor=login.actor,
                site=site,
                screening_date=on,
                planned_first_infusion=planned,
                now=now,
            )
            record_visit(
                session,
                protocol=state.protocol,
                actor=login.actor,
                participant=participant,
                visit=state.protocol.visits[0].code,
                on=on,
                now=now,
            )
            number = participant.screening_number
    except FieldError as exc:
        return _render_list(
            request, state, login, errors={exc.field: exc.msg}, entered=entered, status_code=422
        )
    return RedirectResponse(f"/screening/{number}", status_code=303)


def _evaluate(state: WebState, session: Session, participant: Participant) -> EligibilityResult:
    record = screening_record(session, state.protocol, participant)
    return evaluate_eligibility(state.protocol, record)


def _may(login: Login, participant: Participant, permission: str) -> bool:
    try:
        check_may_change(login.actor, participant, permission)
    except PermissionDenied:
        return False
    return True


def _casebook_context(
    state: WebState, login: Login, session: Session, participant: Participant
) -> dict[str, Any]:
    screening = state.protocol.visits[0]
    entries = {
        entry.form_code: entry
        for entry in session.scalars(
            select(FormEntry).where(
                FormEntry.participant_id == participant.id,
                FormEntry.visit_code == screening.code,
                FormEntry.repeat_index == 0,
            )
        )
    }
    forms = [
        (
            spec.code,
            state.catalogs.gettext_for(login.language, spec.name),
            entries[spec.code].status if spec.code in entries else "missing",
        )
        for spec in state.protocol.screening_forms
    ]
    result = _evaluate(state, session, participant)
    pid = participant.participant_code or participant.screening_number
    return {
        "participant": participant,
        "pid": pid,
        "screening_number": participant.screening_number,
        "visit_code": screening.code,
        "forms": forms,
        "result": result,
        "counts": {
            status: sum(1 for c in result.criteria if c.status == status)
            for status in ("met", "not_met", "needs_confirmation", "cannot_evaluate")
        },
        "in_screening": participant.status == "screening",
        "may_enrol": _may(login, participant, "enrol"),
        "may_enter": _may(login, participant, "enter_data"),
        "site_tz": participant.site.timezone,
        "default_first_infusion": participant.planned_first_infusion or "",
    }


def _render_casebook(
    request: Request,
    state: WebState,
    login: Login,
    pid: str,
    *,
    error: str | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with state.factory() as session:
        participant = find_participant(session, login.actor, pid)
        context = _casebook_context(state, login, session, participant)
    context.update(error=error, errors=errors or {})
    return render(request, "screening_casebook.html", context, status_code=status_code, login=login)


@router.get("/screening/{pid}")
def show_screening(request: Request, state: State, login: PageLogin, pid: str) -> HTMLResponse:
    """A candidate's screening forms and every criterion's verdict with its reason."""
    return _render_casebook(request, state, login, pid)


@router.get("/screening/{pid}/verdicts")
def screening_verdicts(request: Request, state: State, login: PageLogin, pid: str) -> HTMLResponse:
    """The verdicts alone (htmx refreshes them while forms are being entered)."""
    with state.factory() as session:
        participant = find_participant(session, login.actor, pid)
        context = _casebook_context(state, login, session, participant)
    return render(request, "screening_verdicts.html", context, login=login)


@router.post("/screening/{pid}/enrol", dependencies=[Depends(check_csrf)])
def enrol_candidate(
    request: Request,
    state: State,
    login: PageLogin,
    pid: str,
    first_infusion: FormText = "",
    confirm: FormText = "",
) -> Response:
    """Enrol an eligible candidate: the investigator confirms; the service decides."""
    try:
        with transaction(state.factory) as session:
            participant = find_participant(session, login.actor, pid, for_update=True)
            check_may_change(login.actor, participant, "enrol")
            if confirm != "yes":
                message = state.catalogs.gettext_for(
                    login.language, "Tick the box to confirm eligibility and enrolment."
                )
                raise FieldError("confirm", message)
            day = _read_date(state, login, first_infusion, "first_infusion")
            assert day is not None
            enrolled = enrol(
                session,
                protocol=state.protocol,
                actor=login.actor,
                participant=participant,
                first_infusion=day,
                on=compute_site_today(state.clock(), participant.site.timezone),
                now=state.clock(),
            )
            code = enrolled.participant_code
    except (FieldError, FieldErrors) as exc:
        fields = exc.errors if isinstance(exc, FieldErrors) else [exc]
        errors = {e.field: e.msg for e in fields}
        return _render_casebook(request, state, login, pid, errors=errors, status_code=422)
    except (StateError, LockedError) as exc:
        return _render_casebook(request, state, login, pid, error=str(exc), status_code=409)
    return RedirectResponse(f"/participants/{code}", status_code=303)


@router.post("/screening/{pid}/screen-fail", dependencies=[Depends(check_csrf)])
def record_screen_failure(
    request: Request, state: State, login: PageLogin, pid: str, confirm: FormText = ""
) -> Response:
    """Record a screen failure; its reason is the criteria not met."""
    try:
        with transaction(state.factory) as session:
            participant = find_participant(session, login.actor, pid, for_update=True)
            check_may_change(login.actor, participant, "enter_data")
            if confirm != "yes":
                message = state.catalogs.gettext_for(
                    login.language, "Tick the box to confirm the screen failure."
                )
                raise FieldError("confirm_fail", message)
            screen_fail(
                session,
                protocol=state.protocol,
                actor=login.actor,
                participant=participant,
                now=state.clock(),
            )
            number = participant.screening_number
    except FieldError as exc:
        errors = {exc.field: exc.msg}
        return _render_casebook(request, state, login, pid, errors=errors, status_code=422)
    except (StateError, LockedError) as exc:
        return _render_casebook(request, state, login, pid, error=str(exc), status_code=409)
    return RedirectResponse(f"/screening/{number}", status_code=303)
