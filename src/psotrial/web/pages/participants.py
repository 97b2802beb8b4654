"""Participants: the list with filters, a participant's casebook, and the visits due.

The casebook shows the visit timeline (target, window, actual date, in or out of window,
forms done and missing, each linking to its form), the infusions with planned and actual
dose, PASI over time as a small inline SVG drawn on the server (no script; CSP allows SVG
presentation attributes but no ``style=``), the lock state, and the review actions the
user's role allows. Every rule is enforced by the capture services the actions post to.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from psotrial.capture.access import visible_site_codes
from psotrial.capture.casebook import PasiPoint, list_infusions, list_pasi_points
from psotrial.capture.dashboard import compute_site_today, list_due_visits
from psotrial.capture.overview import (
    MISSING,
    VisitOverview,
    list_participants,
    participant_overview,
)
from psotrial.capture.participants import TRANSITIONS
from psotrial.capture.sites import list_sites
from psotrial.capture.study import get_study
from psotrial.web.auth import PageLogin
from psotrial.web.pages.feedback import read_flash
from psotrial.web.state import WebState, get_state
from psotrial.web.templating import render

__all__ = ["PasiChart", "build_pasi_chart", "router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]
Text = Annotated[str | None, Query(max_length=64)]

_NOT_DONE = frozenset({MISSING, "draft"})


@router.get("/participants")
def list_participants_page(
    request: Request,
    state: State,
    login: PageLogin,
    site: Text = None,
    status: Text = None,
    search: Text = None,
) -> HTMLResponse:
    """The participants of the user's sites, filtered by site, status and a search text."""
    with state.factory() as session:
        rows = list_participants(
            session, login.actor, site=site or None, status=status or None, search=search or None
        )
        visible = visible_site_codes(login.actor)
        sites = [s.code for s in list_sites(session) if visible is None or s.code in visible]
    return render(
        request,
        "participants.html",
        {
            "rows": rows,
            "sites": sites,
            "statuses": list(TRANSITIONS),
            "site": site or "",
            "status": status or "",
            "search": search or "",
        },
        login=login,
    )


@router.get("/visits")
def list_visits_page(
    request: Request, state: State, login: PageLogin, when: Text = None
) -> HTMLResponse:
    """Visits due in the next seven days and overdue, in each site's time zone."""
    with state.factory() as session:
        visits = list_due_visits(session, actor=login.actor, now=state.clock(), when=when or None)
    return render(request, "visits.html", {"visits": visits, "when": when or ""}, login=login)


@router.get("/participants/{pid}")
def show_casebook(request: Request, state: State, login: PageLogin, pid: str) -> HTMLResponse:
    """A participant's casebook (404 for a participant at a site the user cannot see)."""
    with state.factory() as session:
        overview = participant_overview(session, login.actor, pid, state.protocol)
        infusions = list_infusions(session, overview.id, state.protocol)
        points = list_pasi_points(session, overview.id, state.protocol)
        study_locked = get_study(session).locked
    today = compute_site_today(state.clock(), overview.site_timezone)
    return render(
        request,
        "casebook.html",
        {
            "p": overview,
            "timeline": [_timeline_row(visit, today) for visit in overview.visits],
            "infusions": infusions,
            "deviation_limit": state.protocol.arm().dosing.deviation_pct,
            "chart": build_pasi_chart(points),
            "study_locked": study_locked,
            "flash": read_flash(request, state, login),
        },
        login=login,
    )


@dataclass(frozen=True)
class TimelineRow:
    """A visit as the timeline shows it: its calendar state and its forms' progress."""

    visit: VisitOverview
    state: str
    done: int
    total: int


def _timeline_row(visit: VisitOverview, today: date) -> TimelineRow:
    if visit.actual_date is not None:
        state = visit.window_status or "done"
    elif visit.latest_date is not None and visit.latest_date < today:
        state = "overdue"
    elif (
        visit.earliest_date is not None
        and visit.latest_date is not None
        and visit.earliest_date <= today <= visit.latest_date
    ):
        state = "due"
    else:
        state = "planned" if visit.target_date else "not_planned"
    # A repeating form (adverse events, medications) is only expected once it has entries.
    expected = [form for form in visit.forms if not form.repeating or form.repeats]
    done = sum(
        1
        for form in expected
        if all(r.status not in _NOT_DONE for r in form.repeats)
        and (form.repeating or form.status not in _NOT_DONE)
    )
    return TimelineRow(visit, state, done, len(expected))


# --- PASI over time: a small SVG, geometry computed here, drawn by the template.

_WIDTH, _HEIGHT = 560, 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 16, 14, 40


@dataclass(frozen=True)
class PasiChart:
    """Coordinates of the PASI chart in SVG user units (0,0 at the top left)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    x_ticks: tuple[tuple[float, str], ...]
    y_ticks: tuple[tuple[float, str], ...]
    points: tuple[tuple[float, float, str, str], ...]
    polyline: str


def build_pasi_chart(points: list[PasiPoint]) -> PasiChart | None:
    """Place the scored PASI totals on a chart: visits evenly along x, PASI 0..top on y.

    The y axis runs from 0 to the next multiple of 5 at or above the highest total (at
    least 10), so a fall towards 0 reads true. None when no PASI has been scored.

    Example:
        >>> chart = build_pasi_chart([PasiPoint("W0", 0, None, Decimal("18.8")),
        ...                           PasiPoint("W2", 2, None, Decimal("9.4"))])
        >>> [label for _, label in chart.y_ticks]
        ['0', '5', '10', '15', '20']
        >>> [(round(x), round(y)) for x, y, _, _ in chart.points]
        [(48, 24), (544, 102)]
    """
    scored = [p for p in points if p.pasi is not None]
    if not scored:
        return None
    highest = max(p.pasi for p in scored if p.pasi is not None)
    top = max(10, -(-int(highest.to_integral_value(rounding="ROUND_CEILING")) // 5) * 5)
    plot_w = _WIDTH - _LEFT - _RIGHT
    plot_h = _HEIGHT - _TOP - _BOTTOM
    step = plot_w / (len(scored) - 1) if len(scored) > 1 else 0.0

    def y_of(value: Decimal) -> float:
        return _TOP + plot_h * (1 - float(value) / top)

    placed = tuple(
        (
            _LEFT + step * i if len(scored) > 1 else _LEFT + plot_w / 2,
            y_of(p.pasi),
            p.visit,
            format(p.pasi, "f"),
        )
        for i, p in enumerate(scored)
        if p.pasi is not None
    )
    tick = 5 if top <= 25 else 10 if top <= 50 else 20
    ticks = tuple((y_of(Decimal(v)), str(v)) for v in range(0, top + 1, tick))
    return PasiChart(
        width=_WIDTH,
        height=_HEIGHT,
        left=_LEFT,
        right=_WIDTH - _RIGHT,
        top=_TOP,
        bottom=_HEIGHT - _BOTTOM,
        x_ticks=tuple((x, visit) for x, _, visit, _ in placed),
        y_ticks=ticks,
        points=placed,
        polyline=" ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in placed),
    )
