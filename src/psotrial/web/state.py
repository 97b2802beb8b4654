"""What every request handler needs, built once per application."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from itsdangerous import URLSafeTimedSerializer
from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker

from psotrial.protocol import Protocol
from psotrial.settings import Settings
from psotrial.web.i18n import Catalogs

__all__ = ["WebState", "get_state", "state_of"]


@dataclass(frozen=True)
class WebState:
    """Settings, the session factory, the study's protocol, templates per language, clock."""

    settings: Settings
    factory: sessionmaker[Session]
    protocol: Protocol
    protocol_name: str
    study_title: str
    synthetic: bool
    catalogs: Catalogs
    templates: dict[str, Environment]
    signer: URLSafeTimedSerializer
    clock: Callable[[], datetime]


def state_of(request: Request) -> WebState:
    """The application's state."""
    state: WebState = request.app.state.psotrial
    return state


async def get_state(request: Request) -> WebState:
    """The application's state (FastAPI dependency).

    A coroutine although it awaits nothing: FastAPI runs a plain function dependency in a
    worker thread, and that hand-over cost more CPU than the rest of it (issue 7).
    """
    return state_of(request)
