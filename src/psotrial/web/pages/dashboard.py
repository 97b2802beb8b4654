"""The dashboard (placeholder until the pages land)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from psotrial.web.auth import PageLogin
from psotrial.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/dashboard")
def dashboard(request: Request, login: PageLogin) -> HTMLResponse:
    return render(request, "dashboard.html", {}, login=login)
