"""The HTML pages for site staff: one router per noun, none in the OpenAPI schema."""

from __future__ import annotations

from fastapi import FastAPI

from psotrial.web.pages import account, dashboard

__all__ = ["include"]


def include(app: FastAPI) -> None:
    """Mount every page router on ``app``."""
    app.include_router(account.router)
    app.include_router(dashboard.router)
