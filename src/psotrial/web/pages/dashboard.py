"""The dashboard: the work of the user's sites at a glance, each number linking to its list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from psotrial.capture.dashboard import build_dashboard
from psotrial.web.auth import PageLogin
from psotrial.web.pages.feedback import read_flash
from psotrial.web.state import WebState, get_state
from psotrial.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]


@router.get("/dashboard")
def show_dashboard(request: Request, state: State, login: PageLogin) -> HTMLResponse:
    """Enrolment against target, participants by status, visits due and overdue, queries,
    adverse events with SAE report deadlines, and forms awaiting signature."""
    with state.factory() as session:
        board = build_dashboard(
            session, actor=login.actor, protocol=state.protocol, now=state.clock()
        )
    percent = min(100, 100 * board.enrolled // board.target_enrolment)
    return render(
        request,
        "dashboard.html",
        {"board": board, "percent": percent, "flash": read_flash(request, state, login)},
        login=login,
    )
