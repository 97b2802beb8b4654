"""batched_events: the same chain, event for event, written in one go at the block's end."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from sqlalchemy import select

from psotrial.audit import Change, append_events, batched_events, verify_audit
from psotrial.db.engine import transaction
from psotrial.db.models import AuditEvent, AuditHead

CHANGES = [
    [Change("create", "thing", "1", None, "a", new=1), Change("create", "thing", "1", None, "b")],
    [Change("update", "thing", "1", None, "a", old=1, new="two", reason="typo")],
    [Change("update", "thing", "2", None, "c", old=None, new={"x": [1, "y"]})],
]


def _append_all(session: Any, trial: Any) -> None:
    for changes in CHANGES:
        append_events(session, actor="coordinator", at=trial.now, changes=changes)


def _chain(trial: Any) -> list[tuple[Any, ...]]:
    with trial.db.factory() as session:
        rows = session.execute(
            select(AuditEvent.id, AuditEvent.item, AuditEvent.prev_hash, AuditEvent.hash)
            .where(AuditEvent.entity == "thing")
            .order_by(AuditEvent.id)
        ).all()
        head = session.get_one(AuditHead, 1)
        return [tuple(r) for r in rows] + [(head.last_id, head.last_hash)]


def _verified(trial: Any) -> bool:
    with trial.db.factory() as session:
        return verify_audit(session).ok


def test_batched_events_chain_like_single_appends(trial: Any) -> None:
    # verify recomputes every hash with compute_event_hash and checks every link and the
    # head: the batch wrote the chain single appends would have written.
    with transaction(trial.db.factory) as session, batched_events(session):
        _append_all(session, trial)
        pending = session.scalars(select(AuditEvent.id).where(AuditEvent.entity == "thing"))
        assert list(pending) == []  # not written before the block ends
    batched = _chain(trial)
    assert len(batched) == 5
    assert batched[-1] == (batched[-2][0], batched[-2][3])  # the head names the last event
    assert all(b[2] == a[3] for a, b in itertools.pairwise(batched[:-1]))
    assert _verified(trial)


def _append_then_fail(trial: Any) -> None:
    with transaction(trial.db.factory) as session, batched_events(session):
        _append_all(session, trial)
        raise RuntimeError("refused")


def test_nothing_is_written_when_the_block_fails(trial: Any) -> None:
    before = _chain(trial)
    with pytest.raises(RuntimeError):
        _append_then_fail(trial)
    assert _chain(trial) == before
    assert _verified(trial)


def test_a_savepoint_inside_the_batch_keeps_the_order(trial: Any) -> None:
    with transaction(trial.db.factory) as session, batched_events(session):
        append_events(session, actor="coordinator", at=trial.now, changes=CHANGES[0])
        with session.begin_nested():
            append_events(session, actor="coordinator", at=trial.now, changes=CHANGES[1])
        append_events(session, actor="coordinator", at=trial.now, changes=CHANGES[2])
    chain = _chain(trial)
    assert [row[1] for row in chain[:-1]] == ["a", "b", "a", "c"]
    assert _verified(trial)
