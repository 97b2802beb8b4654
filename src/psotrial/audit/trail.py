"""Write the append-only, hash-chained audit trail.

Every event stores ``prev_hash`` (the previous event's hash) and ``hash`` =
SHA-256(prev_hash + canonical JSON of the event's content), so changing, removing or
reordering any stored event breaks the chain at that point. Writers take the one-row
``audit_head`` lock, which the database releases at commit: the chain never forks, and the
head remembers the last event so a truncated tail is caught too.
"""

from __future__ import annotations

import functools
import hashlib
import json
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session, SessionTransaction

from psotrial.db.models import AuditEvent, AuditHead
from psotrial.jsoncodec import dumps_canonical

__all__ = [
    "ABSENT",
    "GENESIS",
    "STATUS_ITEM",
    "Change",
    "append_events",
    "batched_events",
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

# The head's hash as a transaction (or savepoint) last wrote it, while it holds the head's
# row lock: a transaction that appends many times (an import line appends for every form)
# reads the head once. A savepoint's entry dies with it (its rollback restores the head and,
# on PostgreSQL, releases the lock it took); writing in a savepoint drops the entries of
# the transactions around it, which read the head again.
_HEADS: weakref.WeakKeyDictionary[SessionTransaction, str] = weakref.WeakKeyDictionary()

# Events chained but not yet written, per transaction or savepoint, inside batched_events().
_PENDING: weakref.WeakKeyDictionary[SessionTransaction, list[dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def _current(session: Session) -> SessionTransaction | None:
    """The innermost transaction: the savepoint if one is open, else the transaction."""
    return session.get_nested_transaction() or session.get_transaction()


def _outer(transaction: SessionTransaction) -> Iterator[SessionTransaction]:
    """The transactions around ``transaction`` (its parents, innermost first)."""
    parent = transaction.parent
    while parent is not None:
        yield parent
        parent = parent.parent


# dumps_canonical's encoder, built once. For str, int, float, bool and None (and dicts of
# them with str keys) jsoncodec.to_json is the identity, so encoding such values directly
# gives the same text as dumps_canonical, without its recursive walk: a save hashes ~20
# events and an imported participant ~700.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_PLAIN = frozenset({str, int, float, bool, type(None)})


# The statements of an append, built once (building a statement costs more CPU than
# SQLite takes to run it). They run on the transaction's connection: audit rows are plain
# rows, with nothing for the ORM's unit of work to do.
_EVENTS = cast(Table, AuditEvent.__table__)
_READ_HEAD = select(AuditHead.last_hash).where(AuditHead.id == 1).with_for_update()
_INSERT_EVENTS = insert(_EVENTS)
_INSERT_EVENTS_RETURNING = insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True)
_LAST_ROWID = text("SELECT last_insert_rowid()")
_SQLITE_EVENT_COLUMNS = (
    *("at", "actor", "action", "entity", "entity_id", "participant_id", "item"),
    *("old_value", "new_value", "reason", "prev_hash", "hash"),
)
_SQLITE_INSERT_EVENTS = (
    f"INSERT INTO audit_event ({', '.join(_SQLITE_EVENT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _SQLITE_EVENT_COLUMNS)})"
)
_HEAD_KEY = Session.identity_key(AuditHead, 1)
_MOVE_HEAD = (
    update(AuditHead)
    .where(AuditHead.id == 1)
    .values(last_id=bindparam("new_last_id"), last_hash=bindparam("new_last_hash"))
)


def _canonical(value: Any) -> str:
    """``dumps_canonical(value)``, by the short path when the value is plain."""
    if type(value) in _PLAIN:
        return _CANONICAL.encode(value)
    return dumps_canonical(value)


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

    Returns the id of the last new event (None when there are no changes, or inside
    :func:`batched_events`). The events go
    in as plain rows in one statement, not as ORM objects: a form's save appends dozens of
    item events, and building and flushing ORM objects was the largest cost of a save. The
    head is read under its row lock and moved in the same transaction, as before.
    """
    if not changes:
        return None
    at = at.astimezone(UTC)
    current = _current(session)
    pending = _PENDING.get(current) if current is not None else None
    if current is not None and pending is None:
        for outer in _outer(current):
            waiting = _PENDING.get(outer)
            if waiting:
                # A savepoint inside an outer batched_events: what came before goes in
                # first, so that the head read below is the chain's real end.
                _write(session, waiting, outer)
                waiting.clear()
    previous = _HEADS.get(current) if current is not None else None
    connection = session.connection()
    if previous is None:
        previous = connection.execute(_READ_HEAD).scalar_one()
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
            "old_value": None if change.old is ABSENT else _canonical(change.old),
            "new_value": None if change.new is ABSENT else _canonical(change.new),
            "reason": change.reason,
        }
        # The same content as event_content() reads back from the stored row.
        content = {**row, "at": at_text}
        row["prev_hash"] = previous
        if all(type(value) in _PLAIN for value in content.values()):
            chained = previous + _CANONICAL.encode(content)
            row["hash"] = previous = hashlib.sha256(chained.encode("utf-8")).hexdigest()
        else:  # compute_event_hash, the one definition verify uses, says the same
            row["hash"] = previous = compute_event_hash(previous, content)
        rows.append(row)
    if pending is not None and current is not None:
        pending.extend(rows)
        _HEADS[current] = previous
        return None
    return _write(session, rows, current)


def _write(
    session: Session, rows: list[dict[str, Any]], written_in: SessionTransaction | None
) -> int:
    """Insert chained rows in one statement and move the head to the last; its id.

    ``written_in``: the transaction or savepoint that now holds the head at the last row.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # One INSERT ... RETURNING whose ids follow the rows' order (the chain's order).
        last_id = list(connection.execute(_INSERT_EVENTS_RETURNING, rows).scalars())[-1]
    else:
        # SQLite would send one INSERT per row to keep RETURNING in order; one executemany
        # and the connection's last rowid give the same (writers hold the write lock).
        # Straight to the driver: SQLAlchemy's per-row parameter handling cost three times
        # what SQLite took to insert an imported participant's ~600 events. The values are
        # the ones it would send: `at`, the same for every row, through the column's own
        # bind processor; the other columns (text and integers) have none on SQLite.
        at = _sqlite_at(connection.dialect)(rows[0]["at"])
        connection.exec_driver_sql(
            _SQLITE_INSERT_EVENTS,
            [(at, *(row[name] for name in _SQLITE_EVENT_COLUMNS[1:])) for row in rows],
        )
        last_id = connection.execute(_LAST_ROWID).scalar_one()
    connection.execute(_MOVE_HEAD, {"new_last_id": last_id, "new_last_hash": rows[-1]["hash"]})
    loaded_head = session.identity_map.get(_HEAD_KEY)
    if loaded_head is not None:  # a head this session loaded reads the new values next time
        session.expire(loaded_head)
    if written_in is not None:
        _HEADS[written_in] = rows[-1]["hash"]
        for outer in _outer(written_in):  # the savepoint may yet roll back
            _HEADS.pop(outer, None)
    return int(last_id)


@functools.cache
def _sqlite_at(dialect: Dialect) -> Callable[[Any], Any]:
    """What SQLAlchemy sends SQLite for an event's ``at`` (its column's bind processor)."""
    process = _EVENTS.c.at.type.dialect_impl(dialect).bind_processor(dialect)
    assert process is not None  # UTCDateTime always converts
    return process


@contextmanager
def batched_events(session: Session) -> Iterator[None]:
    """Write the events this transaction appends inside the block in one go, at its end.

    For a transaction that appends many times (an import line appends for each of some 60
    forms): each event is still hashed and chained when it is appended, in the same order,
    under the head's row lock taken at the first append, so the chain is the same event
    for event; only the INSERT and the head's UPDATE wait for the block's end. Nothing is
    written if the block raises (the transaction is rolled back then). Inside the block
    append_events returns None (the ids are not known yet), and the new events are not
    in the audit_event table until the block ends.
    """
    current = _current(session)
    if current is None or current in _PENDING:
        yield
        return
    pending: list[dict[str, Any]] = []
    _PENDING[current] = pending
    try:
        yield
        if pending:
            _write(session, pending, current)
    finally:
        _PENDING.pop(current, None)
