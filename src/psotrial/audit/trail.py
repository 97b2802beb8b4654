"""Write the append-only, hash-chained audit trail.

Every event stores ``prev_hash`` (the previous event's hash) and ``hash`` =
SHA-256(prev_hash + canonical JSON of the event's content), so changing, removing or
reordering any stored event breaks the chain at that point. Writers take the one-row
``audit_head`` lock, which the database releases at commit: the chain never forks, and the
head remembers the last event so a truncated tail is caught too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.db.models import AuditEvent, AuditHead
from psotrial.jsoncodec import dumps_canonical

__all__ = [
    "ABSENT",
    "GENESIS",
    "STATUS_ITEM",
    "Change",
    "append_events",
    "compute_event_hash",
    "event_content",
]

GENESIS = "0" * 64
# The item of a form entry's own status events; no form item can be named so (items start
# with a letter), so it never collides with an item called "status".
STATUS_ITEM = "_status"


class _Absent:
    """No value at all (an item that did not exist), as opposed to a stored ``null``."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Change:
    """What one audit event records; ``old``/``new`` are values, :data:`ABSENT` for none."""

    action: str
    entity: str
    entity_id: str | None = None
    participant_id: int | None = None
    item: str | None = None
    old: Any = ABSENT
    new: Any = ABSENT
    reason: str | None = None


def event_content(event: AuditEvent) -> dict[str, Any]:
    """The hashed content of a stored event (everything but its id and hashes)."""
    return {
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "participant_id": event.participant_id,
        "item": event.item,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "reason": event.reason,
    }


def compute_event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    """SHA-256 of the previous hash followed by the canonical JSON of the content."""
    return hashlib.sha256((prev_hash + dumps_canonical(content)).encode("utf-8")).hexdigest()


def append_events(
    session: Session, *, actor: str, at: datetime, changes: Sequence[Change]
) -> list[AuditEvent]:
    """Append ``changes`` as events, chained after the current head, in this transaction."""
    if not changes:
        return []
    at = at.astimezone(UTC)
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one()
    previous = head.last_hash
    events: list[AuditEvent] = []
    for change in changes:
        event = AuditEvent(
            at=at,
            actor=actor,
            action=change.action,
            entity=change.entity,
            entity_id=change.entity_id,
            participant_id=change.participant_id,
            item=change.item,
            old_value=None if change.old is ABSENT else dumps_canonical(change.old),
            new_value=None if change.new is ABSENT else dumps_canonical(change.new),
            reason=change.reason,
            prev_hash=previous,
            hash="",
        )
        event.hash = compute_event_hash(previous, event_content(event))
        previous = event.hash
        events.append(event)
    session.add_all(events)
    session.flush()
    head.last_id = events[-1].id
    head.last_hash = previous
    return events
