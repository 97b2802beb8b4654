"""Logging in and out, and the user's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import update

from psotrial.capture.sessions import Login, login, logout
from psotrial.capture.users import LOCKOUT_AFTER, LOCKOUT_FOR
from psotrial.db.engine import transaction
from psotrial.db.models import User
from psotrial.errors import FieldError, PermissionDenied
from psotrial.web.auth import PageLogin, check_csrf, optional_page_login
from psotrial.web.i18n import LANGUAGES, N_
from psotrial.web.security import CSRF_COOKIE, SESSION_COOKIE, new_csrf_cookie, tokens_match
from psotrial.web.state import WebState, get_state, state_of
from psotrial.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]


def _safe_next(target: str | None) -> str:
    # Only local paths: never an open redirect to another site.
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/dashboard"
    return target


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/dashboard", status_code=303)


def _login_page(
    request: Request, *, next_path: str, error: str | None, username: str, status_code: int
) -> Response:
    cookie = request.cookies.get(CSRF_COOKIE) or new_csrf_cookie()
    response = render(
        request,
        "login.html",
        {
            "next": next_path,
            "error": error,
            "username": username,
            "login_csrf": cookie,
            "lockout_after": LOCKOUT_AFTER,
            "lockout_minutes": int(LOCKOUT_FOR.total_seconds() // 60),
        },
        status_code=status_code,
    )
    response.set_cookie(
        CSRF_COOKIE,
        cookie,
        httponly=True,
        samesite="strict",
        secure=state_of(request).settings.secure_cookies,
        path="/login",
    )
    return response


@router.get("/login")
def login_form(
    request: Request,
    current: Annotated[Login | None, Depends(optional_page_login)],
    next: str | None = None,
) -> Response:
    if current is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(
        request, next_path=_safe_next(next), error=None, username="", status_code=200
    )


@router.post("/login")
def login_submit(
    request: Request,
    state: State,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/dashboard",
) -> Response:
    if not tokens_match(request.cookies.get(CSRF_COOKIE), csrf_token):
        return _login_page(
            request,
            next_path=_safe_next(next),
            error=N_("The form's security token is missing or stale; please try again."),
            username=username,
            status_code=403,
        )
    try:
        opened = login(
            state.factory,
            username=username,
            password=password,
            kind="browser",
            now=state.clock(),
            lifetime=timedelta(hours=state.settings.session_hours),
        )
    except PermissionDenied:
        return _login_page(
            request,
            next_path=_safe_next(next),
            error=N_("Invalid username or password."),
            username=username,
            status_code=401,
        )
    # A fresh session id at every login (no fixation); the cookie is set by the middleware.
    request.state.login = opened
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[Depends(check_csrf)])
def logout_submit(request: Request, state: State, current: PageLogin) -> Response:
    with transaction(state.factory) as session:
        logout(session, token=current.token, now=state.clock())
    request.state.logged_out = True
    response = RedirectResponse("/login", status_code=303)
    # The same attributes as the cookie it replaces (a Secure cookie is not overwritten
    # by one without the attribute).
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=state.settings.secure_cookies,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/language", dependencies=[Depends(check_csrf)])
def choose_language(
    request: Request,
    state: State,
    current: PageLogin,
    language: Annotated[str, Form(max_length=8)],
    next: Annotated[str, Form(max_length=2000)] = "/dashboard",
) -> Response:
    """Each user's language is kept on their account."""
    if language not in LANGUAGES:
        raise FieldError("language", f"expected one of: {', '.join(LANGUAGES)}")
    with transaction(state.factory) as session:
        session.execute(update(User).where(User.id == current.user_id).values(language=language))
    return RedirectResponse(_safe_next(next), status_code=303)
