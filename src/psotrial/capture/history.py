"""Read a participant's audit history, item by item (21 CFR 11.10(e): who, when, old, new, why).

The trail stores events against entities (a form entry's id, a query's id, a visit); this
read service places each event at its visit, form and item, so a page can show the full
history of one item: its creation, every change with its reason, the queries raised on it
and the signatures over its form. Three set-based queries, whatever the casebook's size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.db.models import AuditEvent, FormEntry, Query
from psotrial.jsoncodec import loads_exact

__all__ = ["HistoryEvent", "item_history"]

_VISIT_ITEM = re.compile(r"^[A-Z][A-Z0-9]{0,7}\.[a-z_]+$")


@dataclass(frozen=True)
class HistoryEvent:
    """One audit event placed at its visit, form and item; values decoded from JSON.

    ``old``/``new`` are None where the event stored no value (a creation has no old value).
    """

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    visit: str | None
    form: str | None
    repeat: int | None
    item: str | None
    old: Any
    new: Any
    reason: str | None


def item_history(
    session: Session,
    participant_id: int,
    *,
    visit: str | None = None,
    form: str | None = None,
    item: str | None = None,
) -> list[HistoryEvent]:
    """Every audit event of one participant, oldest first, narrowed by visit, form and item.

    A filter that is given must match: an event that cannot be placed at a visit (a status
    change of the participant) is left out once ``visit`` or ``form`` is given.

    Args:
        participant_id: the participant's row id (callers check visibility first).
        visit: a visit code (``W2``); form: a form code (``pasi``); item: an item name
            (``head.erythema``, ``actual_date``, ``_status`` for a form's status).
    """
    entries = {
        str(row.id): (row.visit_code, row.form_code, row.repeat_index)
        for row in session.execute(
            select(
                FormEntry.id, FormEntry.visit_code, FormEntry.form_code, FormEntry.repeat_index
            ).where(FormEntry.participant_id == participant_id)
        )
    }
    query_entries = {
        str(query_id): str(entry_id) if entry_id is not None else None
        for query_id, entry_id in session.execute(
            select(Query.id, Query.entry_id).where(Query.participant_id == participant_id)
        )
    }
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.participant_id == participant_id)
        .order_by(AuditEvent.id)
    )
    history = []
    for event in events:
        placed = _place(event, entries, query_entries)
        if visit is not None and placed.visit != visit:
            continue
        if form is not None and placed.form != form:
            continue
        if item is not None and placed.item != item:
            continue
        history.append(placed)
    return history


def _place(
    event: AuditEvent,
    entries: dict[str, tuple[str, str, int]],
    query_entries: dict[str, str | None],
) -> HistoryEvent:
    entry_id: str | None = None
    item = event.item
    if event.entity == "form_entry":
        entry_id = event.entity_id
    elif event.entity == "query":
        entry_id = query_entries.get(event.entity_id or "")
    elif event.entity == "signature" and item and item.startswith("entry "):
        # A form's signature names its entry as "entry N" (capture.signatures).
        entry_id, item = item.removeprefix("entry "), None
    visit_code = form_code = None
    repeat = None
    if entry_id is not None and entry_id in entries:
        visit_code, form_code, repeat = entries[entry_id]
    elif event.entity in ("visit", "query") and item and _VISIT_ITEM.match(item):
        # A visit's date (and a query on it) is audited as "W2.actual_date".
        visit_code, item = item.split(".", 1)
    return HistoryEvent(
        id=event.id,
        at=event.at,
        actor=event.actor,
        action=event.action,
        entity=event.entity,
        visit=visit_code,
        form=form_code,
        repeat=repeat,
        item=item,
        old=_decode(event.old_value),
        new=_decode(event.new_value),
        reason=event.reason,
    )


def _decode(text: str | None) -> Any:
    return None if text is None else loads_exact(text)
