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
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from psotrial.capture.actors import SYSTEM
from psotrial.capture.study import ensure_study, get_study
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.errors import ConfigError
from psotrial.protocol import load_protocol
from psotrial.settings import Settings
from psotrial.web import api, pages
from psotrial.web.auth import sign_cookie
from psotrial.web.handlers import install_handlers
from psotrial.web.i18n import load_catalogs
from psotrial.web.security import SESSION_COOKIE, SecurityHeaders
from psotrial.web.state import WebState
from psotrial.web.templating import build_environments, render

__all__ = ["create_app"]

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

    @app.middleware("http")
    async def refresh_session_cookie(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        login = getattr(request.state, "login", None)
        if login is not None and not getattr(request.state, "logged_out", False):
            set_session_cookie(response, state, login.token)
        return response

    return app


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
