"""Write the append-only, hash-chained audit trail.

Every event stores ``prev_hash`` (the previous event's hash) and ``hash`` =
SHA-256(prev_hash + canonical JSON of the event's content), so changing, removing or
reordering any stored event breaks the chain at that point. Writers take the one-row
``audit_head`` lock, which the database releases at commit: the chain never forks, and the
head remembers the last event so a truncated tail is caught too.
"""

from __future__ import annotations

import hashlib
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.orm import Session, SessionTransaction

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

# The head's hash as this transaction last wrote it, while the transaction holds the head's
# row lock: a transaction that appends many times (an import line appends for every form)
# reads the head once. Kept only outside savepoints (a savepoint's rollback would restore
# the head, and on PostgreSQL release a lock it took); gone with the transaction.
_HEADS: weakref.WeakKeyDictionary[SessionTransaction, str] = weakref.WeakKeyDictionary()


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
) -> int | None:
    """Append ``changes`` as events, chained after the current head, in this transaction.

    Returns the id of the last new event (None when there are no changes). The events go
    in as plain rows in one statement, not as ORM objects: a form's save appends dozens of
    item events, and building and flushing ORM objects was the largest cost of a save. The
    head is read under its row lock and moved in the same transaction, as before.
    """
    if not changes:
        return None
    at = at.astimezone(UTC)
    root, savepoint = session.get_transaction(), session.get_nested_transaction()
    previous = _HEADS.get(root) if root is not None and savepoint is None else None
    if previous is None:
        previous = session.execute(
            select(AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
        ).scalar_one()
    at_text = at.isoformat(timespec="microseconds")
    rows: list[dict[str, Any]] = []
    for change in changes:
        row: dict[str, Any] = {
            "at": at,
            "actor": actor,
            "action": change.action,
            "entity": change.entity,
            "entity_id": change.entity_id,
            "participant_id": change.participant_id,
            "item": change.item,
            "old_value": None if change.old is ABSENT else dumps_canonical(change.old),
            "new_value": None if change.new is ABSENT else dumps_canonical(change.new),
            "reason": change.reason,
        }
        # The same content as event_content() reads back from the stored row.
        content = {**row, "at": at_text}
        row["prev_hash"] = previous
        row["hash"] = previous = compute_event_hash(previous, content)
        rows.append(row)
    table = cast(Table, AuditEvent.__table__)
    if session.get_bind().dialect.name == "postgresql":
        # One INSERT ... RETURNING whose ids follow the rows' order (the chain's order).
        returning = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        last_id = list(session.scalars(returning, rows))[-1]
    else:
        # SQLite would send one INSERT per row to keep RETURNING in order; one executemany
        # and the connection's last rowid give the same (writers hold the write lock).
        session.execute(insert(table), rows)
        last_id = session.execute(text("SELECT last_insert_rowid()")).scalar_one()
    session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(last_id=last_id, last_hash=previous)
    )
    if root is not None:
        if savepoint is None:
            _HEADS[root] = previous
        else:  # the savepoint may yet roll back: the outer transaction reads the head again
            _HEADS.pop(root, None)
    return int(last_id)
