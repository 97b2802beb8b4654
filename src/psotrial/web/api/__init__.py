"""The JSON API, ``/api/v1``: one router per noun."""

from __future__ import annotations

from fastapi import FastAPI

from psotrial.web.api import auth, forms, participants, queries

__all__ = ["include"]


def include(app: FastAPI) -> None:
    """Mount every API router on ``app``."""
    app.include_router(auth.router)
    app.include_router(participants.router)
    app.include_router(forms.router)
    app.include_router(queries.router)
