"""The HTML pages for site staff: one router per noun, none in the OpenAPI schema."""

from __future__ import annotations

from fastapi import FastAPI

from psotrial.web.pages import (
    account,
    adverse_events,
    audit,
    dashboard,
    forms,
    participants,
    queries,
    report,
    review,
    screening,
)

__all__ = ["include"]


def include(app: FastAPI) -> None:
    """Mount every page router on ``app``."""
    app.include_router(account.router)
    app.include_router(dashboard.router)
    app.include_router(forms.router)
    app.include_router(screening.router)
    app.include_router(participants.router)
    app.include_router(audit.router)
    app.include_router(queries.router)
    app.include_router(adverse_events.router)
    app.include_router(review.router)
    app.include_router(report.router)
