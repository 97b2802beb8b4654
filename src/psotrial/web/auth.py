"""Who is asking: the session cookie (pages) or the bearer token (API), and CSRF checks.

Both carry a random session token signed with the secret key; the database keeps its
digest (capture.sessions). The cookie's signature carries its time, so a cookie unused for
``session_idle_minutes`` stops working; every page response re-signs it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from itsdangerous import BadSignature
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from psotrial.capture.sessions import Login, resolve_session
from psotrial.errors import NotAuthenticated, PermissionDenied
from psotrial.web.security import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    compute_csrf_token,
    tokens_match,
)
from psotrial.web.state import WebState, get_state, state_of

__all__ = [
    "ApiBearer",
    "Bearer",
    "PageLogin",
    "api_bearer",
    "check_csrf",
    "csrf_token_for",
    "optional_page_login",
    "page_login",
    "refuse_dead_bearer",
    "sign_api_token",
    "sign_cookie",
]

_COOKIE_SALT = "psotrial.session"
_TOKEN_SALT = "psotrial.api-token"


def _resolve(state: WebState, token: str) -> Login | None:
    # Every request asks the database (no cache), so a logout or a deactivation refuses
    # the token's very next request; on a bare connection, the ORM has no work here.
    bind = state.factory.kw.get("bind")
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            return resolve_session(connection, token=token, now=state.clock())
    with state.factory() as session:
        return resolve_session(session, token=token, now=state.clock())


def optional_page_login(
    request: Request, state: Annotated[WebState, Depends(get_state)]
) -> Login | None:
    """The login of the session cookie, or None."""
    if hasattr(request.state, "login"):
        cached: Login | None = request.state.login
        return cached
    login = None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            token = state.signer.loads(
                cookie, salt=_COOKIE_SALT, max_age=state.settings.session_idle_minutes * 60
            )
        except BadSignature:
            token = None
        if isinstance(token, str):
            login = _resolve(state, token)
    request.state.login = login
    return login


async def page_login(login: Annotated[Login | None, Depends(optional_page_login)]) -> Login:
    """The logged-in user of a page; NotAuthenticated sends the browser to the login page.

    A coroutine: it only checks, and FastAPI would run a plain function in a worker thread.
    """
    if login is None:
        raise NotAuthenticated("please log in")
    return login


_DEAD_TOKEN = "the bearer token is invalid or expired; log in again"


@dataclass(frozen=True)
class Bearer:
    """An API request's bearer token, signed by this server. Whose it is, and whether its
    session is still live, :meth:`login` asks the database in the route's own session.

    Asking there rather than in the dependency saves the request a worker-thread
    hand-over and a connection of its own (issue 7); every API route calls
    :meth:`login` before anything else, and an invalid request with a dead token is
    answered 401, not 422, as before (web.handlers asks the database then).
    """

    token: str
    clock: Callable[[], datetime]

    def login(self, session: Session | Connection) -> Login:
        """The token's live login, read on every request (no cache), so a logout or a
        deactivation refuses the token's very next request.

        Raises:
            NotAuthenticated: the token's session is unknown, revoked or expired, or its
                user is inactive.
        """
        login = resolve_session(session, token=self.token, now=self.clock())
        if login is None:
            raise NotAuthenticated(_DEAD_TOKEN)
        return login

    def is_live(self, state: WebState) -> bool:
        """Whether :meth:`login` would find the token's login, on a connection of its own."""
        return _resolve(state, self.token) is not None


async def api_bearer(request: Request, state: Annotated[WebState, Depends(get_state)]) -> Bearer:
    """The API request's bearer token, its signature checked (no database: a coroutine,
    which FastAPI calls without a worker thread).

    Raises:
        NotAuthenticated: no ``Authorization: Bearer`` header, or a token not signed by
            this server.
    """
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthenticated("missing bearer token: POST /api/v1/auth/token to get one")
    try:
        token = state.signer.loads(credentials.strip(), salt=_TOKEN_SALT)
    except BadSignature:
        token = None
    if not isinstance(token, str):
        raise NotAuthenticated(_DEAD_TOKEN)
    bearer = Bearer(token, state.clock)
    # For the validation error handler, which FastAPI calls instead of the route.
    request.state.bearer = bearer
    return bearer


async def refuse_dead_bearer(request: Request) -> None:
    """Raise NotAuthenticated when the request's bearer token (checked by api_bearer) is no
    longer live: the check of a request the route never saw (its input was invalid).

    Raises:
        NotAuthenticated: as Bearer.login.
    """
    bearer = getattr(request.state, "bearer", None)
    if isinstance(bearer, Bearer) and not await run_in_threadpool(
        bearer.is_live, state_of(request)
    ):
        raise NotAuthenticated(_DEAD_TOKEN)


def sign_cookie(state: WebState, token: str) -> str:
    """The session cookie's value for a session token."""
    return state.signer.dumps(token, salt=_COOKIE_SALT)


def sign_api_token(state: WebState, token: str) -> str:
    """The bearer token handed to an API client."""
    return state.signer.dumps(token, salt=_TOKEN_SALT)


def csrf_token_for(state: WebState, login: Login) -> str:
    """The CSRF token that the login's pages put in every form."""
    return compute_csrf_token(state.settings.secret_key, login.token)


async def check_csrf(
    request: Request,
    state: Annotated[WebState, Depends(get_state)],
    login: Annotated[Login | None, Depends(optional_page_login)],
) -> None:
    """Refuse a state-changing page request without the session's CSRF token.

    The token comes in the form field ``csrf_token`` or, for htmx requests, the
    ``X-CSRF-Token`` header. GET and HEAD change nothing and are not checked.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if login is None:
        raise NotAuthenticated("please log in")
    given = request.headers.get(CSRF_HEADER)
    if given is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not tokens_match(csrf_token_for(state, login), given):
        raise PermissionDenied("the form's security token is missing or stale; reload the page")


PageLogin = Annotated[Login, Depends(page_login)]
ApiBearer = Annotated[Bearer, Depends(api_bearer)]
