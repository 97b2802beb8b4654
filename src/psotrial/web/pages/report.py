"""The study report in the web application, for the roles that read it.

``GET /report`` shows the report inside the app; ``GET /report.pdf`` and ``GET
/report.html`` download the PDF and the standalone document. Statisticians, data managers
and monitors may see it; every other role gets 403.

The app's CSP forbids inline scripts and styles, while the standalone report.html embeds
its own ``<style>``. So the page shows the report's *body* (the same template, rendered
without the document wrapper) and loads its styles from ``/report/report.css``; the
standalone document is only ever sent as a download (``Content-Disposition: attachment``),
never rendered as an app page.

Building the report takes seconds (figures; the PDF more), so it is cached per data
version: the id of the latest audit event, which every change to the study appends. A
cached report is reused until the data change; the PDF is printed on first request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy import func, select

from psotrial.capture.sessions import Login
from psotrial.db.models import AuditEvent
from psotrial.errors import PermissionDenied
from psotrial.reports.build import BuiltReport
from psotrial.web.auth import PageLogin
from psotrial.web.state import WebState, get_state
from psotrial.web.templating import REPORT_ROLES, render

__all__ = ["REPORT_ROLES", "router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]
ImputationQuery = Annotated[Literal["nri", "locf"], Query()]


"""Roles that may read the study report."""


@dataclass(frozen=True)
class _Cached:
    built: BuiltReport
    data: object


_LOCK = threading.Lock()
_CACHE: dict[tuple[str, int, str], _Cached] = {}
_CACHE_SIZE = 4


def _require_reader(login: Login) -> None:
    if login.actor.role not in REPORT_ROLES:
        raise PermissionDenied(
            f"{login.actor.username} ({login.actor.role}) may not read the study report; "
            f"roles that may: {', '.join(sorted(REPORT_ROLES))}"
        )


def _report(state: WebState, imputation: str, *, pdf: bool) -> BuiltReport:
    from psotrial.reports.build import build_report, load_report_data

    with _LOCK:  # one build at a time: a second request waits and reuses the first
        with state.factory() as session:
            version = session.scalar(select(func.max(AuditEvent.id))) or 0
            key = (state.settings.database_url, int(version), imputation)
            cached = _CACHE.get(key)
            if cached is None:
                data = load_report_data(
                    session, state.protocol, imputation=imputation, now=state.clock()
                )
                cached = _Cached(build_report(data, pdf=False), data)
                while len(_CACHE) >= _CACHE_SIZE:
                    _CACHE.pop(next(iter(_CACHE)))
                _CACHE[key] = cached
        if pdf and cached.built.pdf is None:
            from psotrial.reports.pdf import render_report_pdf

            cached = _Cached(
                replace(cached.built, pdf=render_report_pdf(cached.built.html)), cached.data
            )
            _CACHE[key] = cached
        return cached.built


def _filename(built: BuiltReport, suffix: str) -> str:
    cut = built.data_cut.isoformat() if built.data_cut else "undated"
    return f"report-{cut}.{suffix}"


@router.get("/report")
def show_report(
    request: Request, state: State, login: PageLogin, imputation: ImputationQuery = "nri"
) -> HTMLResponse:
    """The study report inside the app (body only; styles from /report/report.css)."""
    _require_reader(login)
    built = _report(state, imputation, pdf=False)
    return render(
        request,
        "report.html",
        {"body": Markup(built.body), "imputation": imputation, "digest": built.digest},
        login=login,
    )


@router.get("/report.pdf")
def download_report_pdf(
    state: State, login: PageLogin, imputation: ImputationQuery = "nri"
) -> Response:
    """report.pdf as a download."""
    _require_reader(login)
    built = _report(state, imputation, pdf=True)
    return Response(
        built.pdf,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{_filename(built, "pdf")}"'},
    )


@router.get("/report.html")
def download_report_html(
    state: State, login: PageLogin, imputation: ImputationQuery = "nri"
) -> Response:
    """The standalone report.html as a download (never shown as an app page)."""
    _require_reader(login)
    built = _report(state, imputation, pdf=False)
    return Response(
        built.html.encode("utf-8"),
        media_type="text/html; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{_filename(built, "html")}"'},
    )


@router.get("/report/report.css")
def report_stylesheet(login: PageLogin) -> Response:
    """The report's stylesheet, for the in-app page (CSP: styles from 'self' only)."""
    from psotrial.reports.html import report_stylesheet as stylesheet

    return Response(stylesheet(), media_type="text/css; charset=utf-8")
