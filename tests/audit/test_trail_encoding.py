"""The audit writer's short path encodes exactly what dumps_canonical encodes.

append_events encodes plain values (text, numbers, booleans, None) and the event content
without jsoncodec's recursive walk (issue 7); the hash chain must not change by a byte.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.dialects import sqlite

from psotrial.audit import trail
from psotrial.audit.trail import _canonical, compute_event_hash
from psotrial.db.models import AuditEvent
from psotrial.jsoncodec import dumps_canonical

VALUES: list[Any] = [
    "",
    "plain",
    'ünïcödé \u2028 "quoted" \\ back',
    0,
    -7,
    10**20,
    1.5,
    True,
    False,
    None,
    Decimal("12.30"),
    Decimal("4"),
    date(2026, 1, 2),
    datetime(2026, 1, 2, 3, 4, 5),
    {"b": 1, "a": [Decimal("0.5"), "x"]},
    ["z", None, 3],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_canonical_is_dumps_canonical(value: Any) -> None:
    assert _canonical(value) == dumps_canonical(value)


def test_event_hash_of_plain_content_is_unchanged() -> None:
    content = {
        "at": "2026-11-24T10:00:00.000000+00:00",
        "actor": "coordinator",
        "action": "update",
        "entity": "form_entry",
        "entity_id": "12",
        "participant_id": 3,
        "item": "vas_mm",
        "old_value": _canonical(40),
        "new_value": _canonical(Decimal("41.5")),
        "reason": "corrected: ünïcödé",
    }
    encoder = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    previous = "a" * 64
    short = hashlib.sha256((previous + encoder.encode(content)).encode()).hexdigest()
    assert short == compute_event_hash(previous, content)


def test_sqlite_event_insert_sends_what_sqlalchemy_would() -> None:
    """The driver-level INSERT names every column but the id and converts only ``at``."""
    dialect = sqlite.dialect()
    columns = [column for column in AuditEvent.__table__.c if column.name != "id"]
    assert sorted(trail._SQLITE_EVENT_COLUMNS) == sorted(column.name for column in columns)
    assert trail._SQLITE_EVENT_COLUMNS[0] == "at"
    converted = [
        column.name
        for column in columns
        if column.type.dialect_impl(dialect).bind_processor(dialect) is not None
    ]
    assert converted == ["at"]
    at = datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)
    expected = AuditEvent.__table__.c.at.type.dialect_impl(dialect).bind_processor(dialect)(at)
    assert trail._sqlite_at(dialect)(at) == expected == "2026-03-02 09:30:00.123456"
