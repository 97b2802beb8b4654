"""``GET /healthz`` and ``POST /api/v1/auth/token``."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from psotrial.capture.sessions import login
from psotrial.errors import NotAuthenticated, PermissionDenied
from psotrial.web.api.schemas import NO_NUL, ErrorBody, errors
from psotrial.web.auth import sign_api_token
from psotrial.web.state import WebState, get_state

__all__ = ["Credentials", "Health", "Token", "router"]

router = APIRouter()


class Health(BaseModel):
    """The server is up."""

    status: Literal["ok"] = "ok"


class Credentials(BaseModel):
    """A username and password."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=NO_NUL)
    password: str = Field(min_length=1, max_length=1024, pattern=NO_NUL)


class Token(BaseModel):
    """A bearer token for ``Authorization: Bearer ...``."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"


ERRORS = errors(400, 422) | {
    401: {
        "model": ErrorBody,
        "description": "Invalid username or password, or a locked or inactive account (the "
        "same answer for every refusal, so that usernames are not revealed).",
    }
}


@router.get("/healthz", tags=["health"])
def healthz() -> Health:
    """Liveness: 200 ``{"status": "ok"}``."""
    return Health()


@router.post("/api/v1/auth/token", tags=["auth"], responses=ERRORS)
def token(credentials: Credentials, state: Annotated[WebState, Depends(get_state)]) -> Token:
    """Exchange a username and password for a bearer token (lifetime: ``session_hours``)."""
    try:
        opened = login(
            state.factory,
            username=credentials.username,
            password=credentials.password,
            kind="api",
            now=state.clock(),
            lifetime=timedelta(hours=state.settings.session_hours),
        )
    except PermissionDenied as exc:
        raise NotAuthenticated(str(exc)) from None
    return Token(access_token=sign_api_token(state, opened.token))
