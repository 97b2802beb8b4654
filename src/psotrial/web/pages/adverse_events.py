"""Adverse events: every AE of the user's sites with its CTCAE term, grade, seriousness,
relatedness and, for a serious one, the expedited-report deadline (ICH E2A: 7 days for a
fatal or life-threatening event, 15 for others; computed by capture.scoring at save).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from psotrial.capture.dashboard import list_adverse_events
from psotrial.errors import FieldError
from psotrial.web.auth import PageLogin
from psotrial.web.state import WebState, get_state
from psotrial.web.templating import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]
Text = Annotated[str | None, Query(max_length=64)]
_YES_NO = {"yes": True, "no": False, "": None}


@router.get("/adverse-events")
def list_adverse_events_page(
    request: Request,
    state: State,
    login: PageLogin,
    serious: Text = None,
    overdue: Text = None,
    pid: Text = None,
) -> HTMLResponse:
    """Adverse events, most recent onset first; ``serious=yes|no``, ``overdue=yes``."""
    for name, value in (("serious", serious), ("overdue", overdue)):
        if (value or "") not in _YES_NO:
            raise FieldError(name, f"expected yes or no, got {value!r}")
    with state.factory() as session:
        rows = list_adverse_events(
            session,
            actor=login.actor,
            now=state.clock(),
            serious=_YES_NO[serious or ""],
            overdue=overdue == "yes",
            pid=pid or None,
        )
    spec = state.protocol.form("adverse_event")
    labels = {
        item.name: {str(choice.code): choice.label for choice in item.choices}
        for item in spec.items
        if item.choices
    }
    return render(
        request,
        "adverse_events.html",
        {
            "rows": rows,
            "serious": serious or "",
            "overdue": overdue or "",
            "pid": pid or "",
            "labels": labels,
        },
        login=login,
    )
