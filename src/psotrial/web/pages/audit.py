"""A participant's audit history, filtered to a visit, a form or one item.

Every item on the casebook and the form pages links here with ``visit``, ``form`` and
``item`` set, so an item's whole history (created, each change with its reason, queries,
signatures) is one click away. Times are shown in the participant's site time zone.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from psotrial.capture.access import find_participant
from psotrial.capture.history import item_history
from psotrial.jsoncodec import dumps_canonical
from psotrial.web.auth import PageLogin
from psotrial.web.state import WebState, get_state
from psotrial.web.templating import render

__all__ = ["format_value", "router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]
Text = Annotated[str | None, Query(max_length=128)]


@router.get("/participants/{pid}/audit")
def show_audit(
    request: Request,
    state: State,
    login: PageLogin,
    pid: str,
    visit: Text = None,
    form: Text = None,
    item: Text = None,
) -> HTMLResponse:
    """Who changed what, when (site time), from which value to which, and why."""
    with state.factory() as session:
        participant = find_participant(session, login.actor, pid)
        label = participant.participant_code or participant.screening_number
        timezone = participant.site.timezone
        events = item_history(
            session, participant.id, visit=visit or None, form=form or None, item=item or None
        )
    forms = {f.code: f.name for f in state.protocol.forms}
    return render(
        request,
        "audit.html",
        {
            "pid": label,
            "timezone": timezone,
            "events": events,
            "visit": visit or "",
            "form": form or "",
            "item": item or "",
            "visits": [v.code for v in state.protocol.visits],
            "forms": forms,
            "show": format_value,
        },
        login=login,
    )


def format_value(value: Any) -> str:
    """A stored value as text: strings bare, numbers exact, structures as compact JSON.

    Example:
        >>> [format_value(v) for v in ("yes", Decimal("36.40"), True, None, {"a": 1})]
        ['yes', '36.40', 'true', '', '{"a":1}']
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    return dumps_canonical(value)
