"""A backup taken while saves run restores to a consistent, verifiable state (SQLite and
PostgreSQL).

How: worker threads save vital signs through ``psotrial serve`` (as in test_crash.py)
while the test takes backups with ``capture.backup.backup_database`` in a transaction of
its own. Each backup is restored into a fresh, empty database. The restored database must
pass ``verify_audit``; its audit trail must be a prefix of the source's final trail (the
same events, same hashes: one moment of the source); every form must be at a version the
source really had, with that version's data; and every save acknowledged before the
backup began must be in it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from psotrial.audit import verify_audit
from psotrial.capture.backup import backup_database, record_backup, restore_database
from psotrial.db.engine import transaction
from psotrial.db.models import AuditEvent


def chain(factory: Any) -> list[tuple[int, str]]:
    with factory() as session:
        return [tuple(row) for row in session.execute(
            select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id))]  # fmt: skip


def backups_under_load(
    kit: Any, trial: Any, serve: Callable[[str], Any], tmp_path: Path, *, backups: int
) -> dict[str, int]:
    codes = kit.enrol_participants(trial, 2)
    process = serve(trial.db.settings.database_url)
    process.start()
    token = process.token("coordinator", trial.password)
    slots = [(code, visit) for code in codes for visit in kit.SLOT_VISITS]
    driver = kit.SaveDriver(lambda: process.url, token, slots, 4)
    manager = trial.actors["data_manager"]
    taken: list[tuple[Path, list[Any]]] = []
    driver.start()
    try:
        for number in range(backups):
            acknowledged = driver.count("acknowledged")
            while driver.count("acknowledged") < acknowledged + 5:
                time.sleep(0.01)
            began = time.monotonic()
            before = [a for a in list(driver.attempts) if a.outcome == "acknowledged"]
            assert all(a.finished < began for a in before)
            path = tmp_path / f"backup-{number}.jsonl.gz"
            with trial.db.factory() as session:
                summary = backup_database(session, actor=manager, path=path)
            with transaction(trial.db.factory) as session:
                record_backup(session, actor=manager, summary=summary)
            taken.append((path, before))
    finally:
        driver.stop()
    process.kill()
    assert not driver.failures, driver.failures[:5]

    source_chain = chain(trial.db.factory)
    source = kit.form_histories(trial.db.factory)
    restored_saves = 0
    for path, before in taken:
        with kit.fresh_database(trial.db.backend, tmp_path) as (_url, factory):
            restore_database(factory, path=path, actor_name="data_manager",
                             now=datetime.now(UTC))  # fmt: skip
            with factory() as session:
                verified = verify_audit(session)
            assert verified.ok, verified.problems
            restored_chain = chain(factory)[:-1]  # the last event records the restore
            assert restored_chain == source_chain[: len(restored_chain)], path
            restored = kit.form_histories(factory)
            for slot, history in restored.items():
                assert history == source[slot][: len(history)], (path, slot)
            for attempt in before:
                assert len(restored.get(attempt.slot, [])) >= attempt.version, (path, attempt)
            restored_saves += sum(len(history) for history in restored.values())
    return {
        "backups": len(taken),
        "saves": driver.count("acknowledged"),
        "restored_saves": restored_saves,
        "events": len(source_chain),
    }


def test_backup_during_saves_restores_consistent(
    kit: Any, trial: Any, serve: Callable[[str], Any], tmp_path: Path
) -> None:
    counts = backups_under_load(kit, trial, serve, tmp_path, backups=2)
    assert counts["restored_saves"] > 0


def test_backups_during_saves_at_length(
    long_only: None,
    kit: Any,
    trial: Any,
    serve: Callable[[str], Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    counts = backups_under_load(kit, trial, serve, tmp_path, backups=20)
    kit.report(
        capsys,
        f"backup under load ({trial.db.backend}): {counts['backups']} backups taken during "
        f"{counts['saves']} acknowledged saves, all {counts['backups']} restored and verified "
        f"(audit chain a prefix of the source's, every form at a version the source had, "
        f"every save acknowledged before the backup present)",
    )
