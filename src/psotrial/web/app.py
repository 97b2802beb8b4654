"""The application factory: ``create_app(settings)`` -> a FastAPI app.

``/api/v1`` is the JSON API (OpenAPI at ``/api/v1/openapi.json``, docs at ``/api/docs``);
everything else is server-rendered pages for site staff. Routers are small and one per
noun; they call capture services and hold no clinical logic.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from psotrial.capture.actors import SYSTEM
from psotrial.capture.study import ensure_study, get_study
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.errors import ConfigError
from psotrial.protocol import load_protocol
from psotrial.settings import Settings, get_settings
from psotrial.web import api, pages
from psotrial.web.auth import sign_cookie
from psotrial.web.handlers import install_handlers
from psotrial.web.i18n import load_catalogs
from psotrial.web.security import SESSION_COOKIE, SecurityHeaders
from psotrial.web.state import WebState
from psotrial.web.templating import build_environments, render

__all__ = ["app_from_environment", "create_app"]

log = logging.getLogger("psotrial.web")


def _now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    factory: sessionmaker[Session] | None = None,
    clock: Callable[[], datetime] = _now,
) -> FastAPI:
    """Build the application on the configured database (migrated; the study is created
    from the configured protocol when the database holds none yet).

    Raises:
        ConfigError: the database holds a study of another protocol than the one configured.
    """
    if factory is None:
        factory = make_sessionmaker(make_engine(settings))
    with transaction(factory) as session:
        try:
            study = get_study(session)
        except ConfigError:
            protocol = load_protocol(settings.protocol)
            study = ensure_study(
                session, actor=SYSTEM, protocol=protocol, protocol_name=settings.protocol
            )
        protocol_name, synthetic, title = study.protocol, study.synthetic, study.title
    protocol = load_protocol(protocol_name)
    catalogs = load_catalogs()
    state = WebState(
        settings=settings,
        factory=factory,
        protocol=protocol,
        protocol_name=protocol_name,
        study_title=title,
        synthetic=synthetic,
        catalogs=catalogs,
        templates=build_environments(catalogs),
        signer=URLSafeTimedSerializer(settings.secret_key),
        clock=clock,
    )

    app = FastAPI(
        title="psotrial API",
        version="1",
        description=(
            f"The data system of {protocol.identity.registry_id}. Every endpoint except "
            "/healthz and /api/v1/auth/token takes `Authorization: Bearer TOKEN`. Errors are "
            '`{"error": {"code", "message", "fields"?}}`.'
        ),
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.psotrial = state
    app.state.render_error = _render_error
    install_handlers(app)
    static = resources.files("psotrial.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    api.include(app)
    pages.include(app)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(SessionCookieRefresh, state=state)
    return app


class SessionCookieRefresh:
    """ASGI middleware: re-sign the session cookie on every response to a logged-in page
    request (the cookie's signed time is its idle clock), unless the request logged out.

    A plain ASGI middleware rather than ``@app.middleware("http")``: Starlette's
    BaseHTTPMiddleware runs every request in a task with memory streams, which cost more
    CPU than the rest of a small API request's handling around it (issue 7).
    """

    def __init__(self, app: ASGIApp, *, state: WebState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The request's state (optional_page_login sets its login) is this dict, which
        # every sub-scope shares.
        request_state: dict[str, Any] = scope.setdefault("state", {})

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                login = request_state.get("login")
                if login is not None and not request_state.get("logged_out", False):
                    headers = MutableHeaders(scope=message)
                    headers.append("set-cookie", session_cookie_header(self.state, login.token))
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def session_cookie_header(state: WebState, token: str) -> str:
    """The ``Set-Cookie`` value of the signed session cookie."""
    response = Response()
    set_session_cookie(response, state, token)
    return response.headers["set-cookie"]


def app_from_environment() -> FastAPI:
    """The application on the environment's settings: each worker process of
    ``psotrial serve --workers N`` builds its own (uvicorn's app factory)."""
    return create_app(get_settings())


def set_session_cookie(response: Any, state: WebState, token: str) -> None:
    """Set the signed session cookie (HttpOnly, SameSite=Strict; Secure behind HTTPS)."""
    response.set_cookie(
        SESSION_COOKIE,
        sign_cookie(state, token),
        max_age=state.settings.session_idle_minutes * 60,
        httponly=True,
        samesite="strict",
        secure=state.settings.secure_cookies,
        path="/",
    )


def _render_error(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status_code=status)
