"""Backup and restore: portable, snapshot-consistent, verified before anything is written."""

from __future__ import annotations

import gzip
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from psotrial.audit import GENESIS, verify_audit
from psotrial.capture.actors import SYSTEM
from psotrial.capture.backup import (
    TABLES,
    backup_database,
    record_backup,
    restore_database,
)
from psotrial.capture.entries import save_entry
from psotrial.capture.users import create_user
from psotrial.db.base import Base
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.db.models import AuditEvent, AuditHead, FormEntry, Participant, Study
from psotrial.errors import DataEntryError, PermissionDenied, StateError
from psotrial.jsoncodec import loads_exact
from psotrial.settings import Settings

_POSTGRES_URL = (
    os.environ.get("PSOTRIAL_TEST_POSTGRES_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKUP_AT = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


@dataclass
class Target:
    """An empty, migrated database to restore into."""

    backend: str
    engine: Engine
    factory: sessionmaker[Session]


@contextmanager
def empty_database(backend: str, tmp_path: Path) -> Iterator[Target]:
    """A fresh database as tests/conftest.py makes them (PostgreSQL: a schema of its own)."""
    from psotrial.db.migrate import upgrade

    if backend == "sqlite":
        engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'target.db'}"))
        upgrade(engine)
        yield Target(backend, engine, make_sessionmaker(engine))
        engine.dispose()
        return
    admin = create_engine(_POSTGRES_URL, connect_args={"connect_timeout": 3})
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:  # no server: the PostgreSQL target is skipped, as in conftest
        admin.dispose()
        if os.environ.get("PSOTRIAL_TEST_POSTGRES_URL"):
            raise
        pytest.skip(f"no PostgreSQL to restore into: {type(exc).__name__}")
    separator = "&" if "?" in _POSTGRES_URL else "?"
    url = f"{_POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    engine = make_engine(Settings(database_url=url))
    try:
        upgrade(engine)
        yield Target(backend, engine, make_sessionmaker(engine))
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def populate(trial: Any, session: Any) -> None:
    participant = trial.enrolled(session)
    save_entry(
        session,
        protocol=trial.protocol,
        actor=trial.actors["coordinator"],
        participant=participant,
        visit="W0",
        form="vital_signs",
        data={
            "weight_kg": 74.9,
            "systolic_bp": 120,
            "diastolic_bp": 80,
            "heart_rate": 70,
            "temperature_c": 36.8,
        },
        base_version=0,
        now=trial.now,
    )
    trial.screen(session)


def take_backup(trial: Any, path: Path) -> Any:
    with trial.db.factory() as session, session.begin():
        return backup_database(session, actor=SYSTEM, path=path, now=BACKUP_AT)


def counts(factory: Any) -> dict[str, int]:
    with factory() as session:
        return {
            name: int(
                session.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0
            )
            for name in TABLES
        }


def entries(factory: Any) -> list[tuple[Any, ...]]:
    with factory() as session:
        return [
            (
                e.id,
                e.participant_id,
                e.visit_code,
                e.form_code,
                e.repeat_index,
                e.data,
                e.scores,
                e.status,
                e.version,
                e.created_at,
                e.updated_by,
            )
            for e in session.scalars(select(FormEntry).order_by(FormEntry.id))
        ]


def participants(factory: Any) -> list[tuple[Any, ...]]:
    with factory() as session:
        return [
            (
                p.id,
                p.screening_number,
                p.participant_code,
                p.status,
                p.status_date,
                p.screening_date,
                p.first_infusion,
                p.locked,
                p.created_at,
            )
            for p in session.scalars(select(Participant).order_by(Participant.id))
        ]


def read_backup(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def write_backup(path: Path, lines: list[dict[str, Any]]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line) + "\n" for line in lines)


def assert_empty(target: Target) -> None:
    found = counts(target.factory)
    assert found == {**dict.fromkeys(TABLES, 0), "audit_head": 1}
    with target.factory() as session:
        head = session.get_one(AuditHead, 1)
        assert (head.last_id, head.last_hash) == (0, GENESIS)


def test_backup_database_writes_header_then_rows_in_key_order(trial: Any, tmp_path: Path) -> None:
    with trial.session() as session:
        populate(trial, session)
    path = tmp_path / "backups" / "trial.jsonl.gz"
    summary = take_backup(trial, path)
    assert summary.path == path
    assert summary.tables == counts(trial.db.factory)
    lines = read_backup(path)
    assert lines[0] == {
        "format": "psotrial-backup",
        "version": 1,
        "schema_revision": "0003",
        "created_at": "2026-03-03T08:00:00+00:00",
        "tables": summary.tables,
    }
    tables = [line["table"] for line in lines[1:]]
    assert tables == sorted(tables, key=TABLES.index)
    assert len(tables) == sum(summary.tables.values())
    study = next(line["row"] for line in lines if line.get("table") == "study")
    assert (study["synthetic"], study["created_at"]) == (True, "2026-03-02T09:00:00+00:00")
    participant = next(line["row"] for line in lines if line.get("table") == "participant")
    assert participant["screening_date"] == "2026-02-23"
    events = [line["row"]["id"] for line in lines if line.get("table") == "audit_event"]
    assert events == sorted(events)
    assert list(path.parent.iterdir()) == [path]  # no temporary file left
    assert path.stat().st_mode & 0o077 == 0  # password hashes: readable by the owner only


def test_backup_database_only_reads_and_record_backup_audits(trial: Any, tmp_path: Path) -> None:
    before = counts(trial.db.factory)
    summary = take_backup(trial, tmp_path / "b.gz")
    assert counts(trial.db.factory) == before
    with trial.session() as session:
        record_backup(session, actor=SYSTEM, summary=summary, now=BACKUP_AT)
    with trial.db.factory() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
        assert (event.action, event.actor) == ("backup", "system")
        assert loads_exact(event.new_value) == {"file": "b.gz", "tables": summary.tables}
        assert verify_audit(session).ok


def test_backup_database_needs_the_data_manager(trial: Any, tmp_path: Path) -> None:
    with trial.db.factory() as session, session.begin(), pytest.raises(PermissionDenied):
        backup_database(session, actor=trial.actors["statistician"], path=tmp_path / "b.gz")
    assert not (tmp_path / "b.gz").exists()


def test_backup_database_reads_one_snapshot(trial: Any, tmp_path: Path) -> None:
    with trial.db.factory() as session, session.begin():
        session.execute(select(Study)).all()  # a query has already run in this transaction
        if trial.db.backend == "sqlite":  # a read transaction is one snapshot anyway
            backup_database(session, actor=SYSTEM, path=tmp_path / "b.gz")
        else:  # READ COMMITTED can no longer become REPEATABLE READ
            with pytest.raises(StateError, match="transaction of its own"):
                backup_database(session, actor=SYSTEM, path=tmp_path / "b.gz")
    if trial.db.backend == "postgres":
        with trial.db.factory() as session, session.begin():
            backup_database(session, actor=SYSTEM, path=tmp_path / "b.gz")
            level = session.connection().exec_driver_sql("SHOW transaction_isolation").scalar()
            assert level == "repeatable read"


@pytest.mark.parametrize("across", [False, True], ids=["same_backend", "across_backends"])
def test_restore_database_reproduces_the_backup(trial: Any, tmp_path: Path, across: bool) -> None:
    with trial.session() as session:
        populate(trial, session)
    path = tmp_path / "trial.jsonl.gz"
    take_backup(trial, path)
    source = counts(trial.db.factory)
    backend = trial.db.backend
    if across:
        backend = "postgres" if backend == "sqlite" else "sqlite"
    with empty_database(backend, tmp_path) as target:
        summary = restore_database(target.factory, path=path, actor_name="system", now=BACKUP_AT)
        assert summary.tables == source
        assert summary.events == source["audit_event"]
        assert counts(target.factory) == {**source, "audit_event": source["audit_event"] + 1}
        assert entries(target.factory) == entries(trial.db.factory)
        assert participants(target.factory) == participants(trial.db.factory)
        with target.factory() as session:
            assert verify_audit(session).ok
            last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
            assert (last.action, last.actor, last.id) == (
                "restore",
                "system",
                source["audit_event"] + 1,
            )
        # Ids carry on after the restored ones (PostgreSQL sequences were moved on).
        with transaction(target.factory) as session:
            user = create_user(
                session,
                actor=SYSTEM,
                username="new_dm",
                full_name="New (synthetic)",
                role="data_manager",
                password=trial.password,
                now=BACKUP_AT,
            )
            assert user.id == source["app_user"] + 1


def test_restore_database_refuses_a_database_that_holds_a_study(trial: Any, tmp_path: Path) -> None:
    path = tmp_path / "b.gz"
    take_backup(trial, path)
    before = counts(trial.db.factory)
    with pytest.raises(
        StateError, match="needs an empty database; this one holds study NCT03745417"
    ):
        restore_database(trial.db.factory, path=path, actor_name="system")
    assert counts(trial.db.factory) == before


def test_restore_database_refuses_a_tampered_audit_chain(trial: Any, tmp_path: Path) -> None:
    with trial.session() as session:
        populate(trial, session)
    path = tmp_path / "b.gz"
    take_backup(trial, path)
    lines = read_backup(path)
    victim = next(
        line["row"]
        for line in lines
        if line.get("table") == "audit_event" and line["row"]["item"] == "weight_kg"
    )
    victim["new_value"] = "47.9"
    write_backup(path, lines)
    with empty_database(trial.db.backend, tmp_path) as target:
        with pytest.raises(DataEntryError, match=f"audit event {victim['id']} .*does not match"):
            restore_database(target.factory, path=path, actor_name="system")
        assert_empty(target)


def test_restore_database_rolls_back_data_the_trail_does_not_explain(
    trial: Any, tmp_path: Path
) -> None:
    with trial.session() as session:
        populate(trial, session)
    path = tmp_path / "b.gz"
    take_backup(trial, path)
    lines = read_backup(path)
    vitals = next(
        line["row"]
        for line in lines
        if line.get("table") == "form_entry" and line["row"]["visit_code"] == "W0"
    )
    vitals["data"] = vitals["data"].replace("74.9", "47.9")  # the chain itself is intact
    write_backup(path, lines)
    with empty_database(trial.db.backend, tmp_path) as target:
        with pytest.raises(DataEntryError, match=r"does not verify.*weight_kg not explained"):
            restore_database(target.factory, path=path, actor_name="system")
        assert_empty(target)


def test_restore_database_refuses_a_removed_event(trial: Any, tmp_path: Path) -> None:
    path = tmp_path / "b.gz"
    take_backup(trial, path)
    lines = read_backup(path)
    events = [i for i, line in enumerate(lines) if line.get("table") == "audit_event"]
    del lines[events[-1]]
    lines[0]["tables"]["audit_event"] -= 1
    write_backup(path, lines)
    with empty_database(trial.db.backend, tmp_path) as target:
        with pytest.raises(DataEntryError, match="head names event"):
            restore_database(target.factory, path=path, actor_name="system")
        assert_empty(target)


def test_restore_database_refuses_corrupt_files(trial: Any, tmp_path: Path) -> None:
    path = tmp_path / "b.gz"
    take_backup(trial, path)
    good = path.read_bytes()
    lines = read_backup(path)
    with empty_database(trial.db.backend, tmp_path) as target:
        path.write_bytes(good[: len(good) // 2])
        with pytest.raises(DataEntryError, match="truncated or corrupt"):
            restore_database(target.factory, path=path, actor_name="system")
        path.write_bytes(b"not gzip at all")
        with pytest.raises(DataEntryError, match="line 1: not a readable gzip file"):
            restore_database(target.factory, path=path, actor_name="system")
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(json.dumps(lines[0]) + "\n" + json.dumps(lines[1]) + "\n{oops\n")
        with pytest.raises(DataEntryError, match="line 3: not valid JSON"):
            restore_database(target.factory, path=path, actor_name="system")
        broken = [*lines[:2], {"table": "site", "row": {**lines[2]["row"], "id": "two"}}]
        write_backup(path, broken)
        with pytest.raises(DataEntryError, match=r"line 3: site.id: expected an integer"):
            restore_database(target.factory, path=path, actor_name="system")
        assert_empty(target)


@pytest.mark.parametrize(("key", "value", "message"), [
    ("format", "other", "format is 'other'; expected 'psotrial-backup'"),
    ("version", 2, "version is 2; expected 1"),
    ("schema_revision", "0099", "schema revision '0099'; this database is at '0003'"),
])  # fmt: skip
def test_restore_database_refuses_another_format_or_schema(
    trial: Any, tmp_path: Path, key: str, value: Any, message: str
) -> None:
    path = tmp_path / "b.gz"
    take_backup(trial, path)
    lines = read_backup(path)
    lines[0][key] = value
    write_backup(path, lines)
    with empty_database(trial.db.backend, tmp_path) as target:
        with pytest.raises(DataEntryError, match=message):
            restore_database(target.factory, path=path, actor_name="system")
        assert_empty(target)


def test_restore_database_refuses_a_missing_file(trial: Any, tmp_path: Path) -> None:
    with empty_database(trial.db.backend, tmp_path) as target:
        with pytest.raises(DataEntryError, match="no such file"):
            restore_database(target.factory, path=tmp_path / "absent.gz", actor_name="system")
        assert_empty(target)
