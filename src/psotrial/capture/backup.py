"""Back up the whole database to a portable file, and restore it into an empty database.

The backup is gzip-compressed JSON Lines that any backend can read back (SQLite to
PostgreSQL and the reverse). The first line is a header::

    {"format": "psotrial-backup", "version": 1, "schema_revision": "0001",
     "created_at": "2026-03-02T09:00:00+00:00", "tables": {"study": 1, ...}}

then one line per row, ``{"table": "site", "row": {"id": 1, ...}}``, table by table in
foreign-key order (:data:`TABLES`), each table in primary-key order. Timestamps are ISO 8601
with their UTC offset, dates ISO 8601; booleans, integers and text are JSON's own. The
file holds password hashes: keep it as safe as the database (it is created readable by its
owner only).

Reading happens in one snapshot: the caller's transaction (SQLite's read transaction is a
snapshot; on PostgreSQL the transaction is set to REPEATABLE READ before its first query).
:func:`backup_database` only reads. The "backup" audit event cannot be inside the backup it
describes, so the caller records it afterwards, in a separate transaction, with
:func:`record_backup`.

Restoring checks everything before it writes anything: the header, every row's columns and
types, the row counts, and the backup's audit chain (each event's hash recomputed, each
link and the head). It then inserts every row in one transaction, keeping the ids, runs
:func:`~psotrial.audit.verify_audit` on the result in that same transaction, and commits
only if it passes. The restore is then recorded as an audit event of its own.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from psycopg.pq import TransactionStatus
from sqlalchemy import Boolean, Date, Integer, String, Table, func, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from psotrial.audit import GENESIS, Change, append_events, compute_event_hash, verify_audit
from psotrial.audit.trail import event_content
from psotrial.capture.actors import Actor, require
from psotrial.capture.records import atomic_file
from psotrial.db.base import Base, UTCDateTime
from psotrial.db.engine import transaction
from psotrial.db.models import AuditEvent, AuditHead, Study
from psotrial.errors import DataEntryError, StateError

__all__ = [
    "BACKUP_FORMAT",
    "BACKUP_VERSION",
    "TABLES",
    "BackupSummary",
    "RestoreSummary",
    "backup_database",
    "record_backup",
    "restore_database",
]

BACKUP_FORMAT = "psotrial-backup"
BACKUP_VERSION = 1
# Foreign-key order: every row's parents come before it.
TABLES = (
    "study",
    "site",
    "app_user",
    "user_site",
    "participant",
    "visit",
    "form_entry",
    "criterion_verdict",
    "query",
    "signature",
    "audit_event",
    "audit_head",
)
# Logins are not clinical data: a restored database starts with everyone logged out.
NOT_BACKED_UP = frozenset({"user_session"})
_BATCH = 1_000


@dataclass(frozen=True)
class BackupSummary:
    """What a backup wrote: the file and the number of rows of each table."""

    path: Path
    tables: dict[str, int]


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore wrote: rows per table, and the audit events it verified."""

    tables: dict[str, int]
    events: int


def backup_database(
    session: Session, *, actor: Actor, path: Path, now: datetime | None = None
) -> BackupSummary:
    """Write every row of the database to ``path`` (gzip JSON Lines), atomically.

    Only reads: record the backup afterwards with :func:`record_backup`, in a new
    transaction. Pass a session whose transaction has not yet run a query, so that on
    PostgreSQL the whole backup reads one snapshot (REPEATABLE READ).

    Backing up is the data manager's (the role that locks the database): the file holds
    password hashes, so roles that may only export data may not take it.

    Raises:
        PermissionDenied: the actor may not back up the database.
        StateError: on PostgreSQL, the transaction already ran a query in READ COMMITTED,
            so one snapshot cannot be promised.
    """
    require(actor, "lock")
    _snapshot(session)
    now = now or datetime.now(UTC)
    revision = MigrationContext.configure(session.connection()).get_current_revision()
    tables = _tables()
    counts = {
        name: int(session.scalar(select(func.count()).select_from(tables[name])) or 0)
        for name in TABLES
    }
    header = {
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "schema_revision": revision,
        "created_at": now.astimezone(UTC).isoformat(),
        "tables": counts,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as raw, gzip.GzipFile(filename=path.name, fileobj=raw, mode="wb") as out:
        out.write(_line(header))
        for name in TABLES:
            table = tables[name]
            query = select(table).order_by(*table.primary_key.columns)
            result = session.execute(query, execution_options={"yield_per": _BATCH})
            written = 0
            for row in result.mappings():
                encoded = {key: _encode(value) for key, value in row.items()}
                out.write(_line({"table": name, "row": encoded}))
                written += 1
            if written != counts[name]:  # only if the snapshot was not one; keep no file
                raise StateError(
                    f"{name} changed during the backup ({counts[name]} rows, then {written}); "
                    "nothing was written: back up in a transaction of its own"
                )
    return BackupSummary(path, counts)


def record_backup(
    session: Session, *, actor: Actor, summary: BackupSummary, now: datetime | None = None
) -> None:
    """Append the "backup" audit event, after the backup's own transaction has ended."""
    study = session.scalars(select(Study)).first()
    change = Change(
        "backup",
        "study",
        str(study.id) if study else None,
        new={"file": summary.path.name, "tables": summary.tables},
    )
    append_events(session, actor=actor.username, at=now or datetime.now(UTC), changes=[change])


def restore_database(
    factory: sessionmaker[Session],
    *,
    path: Path,
    actor_name: str,
    now: datetime | None = None,
) -> RestoreSummary:
    """Restore the backup at ``path`` into the empty, migrated database of ``factory``.

    Nothing is written unless the whole backup reads, matches this database's schema and
    carries an intact audit chain; the restored database must then pass
    :func:`~psotrial.audit.verify_audit`, or the restore is rolled back. Afterwards the
    restore is recorded as an audit event by ``actor_name``, in its own transaction.

    Raises:
        StateError: the database is not empty, or not migrated.
        DataEntryError: the file is not a readable psotrial backup of this schema (with
            the line number), or its audit chain is broken (naming the first bad event),
            or the restored database does not verify.
    """
    with transaction(factory) as session:
        header = _check_target(session, path)
        # First pass: read and check everything, write nothing.
        events = _verify_backup(path, header)
        # Second pass: the rows, in foreign-key order, ids kept.
        counts = _insert_rows(session, path)
        _reset_sequences(session)
        report = verify_audit(session)
        if not report.ok:
            raise DataEntryError(
                f"{path}: the restored database does not verify, so nothing was restored: "
                + "; ".join(report.problems[:5])
            )
        study = session.scalars(select(Study)).first()
        study_id = str(study.id) if study else None
    with transaction(factory) as session:
        change = Change(
            "restore",
            "study",
            study_id,
            new={"file": path.name, "created_at": header["created_at"], "tables": counts},
        )
        append_events(session, actor=actor_name, at=now or datetime.now(UTC), changes=[change])
    return RestoreSummary(counts, events)


# Reading the source -----------------------------------------------------------------------


def _snapshot(session: Session) -> None:
    """Make the caller's transaction one snapshot (PostgreSQL: REPEATABLE READ)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return  # SQLite: a read transaction already reads one snapshot
    dbapi = connection.connection.dbapi_connection
    status = getattr(getattr(dbapi, "info", None), "transaction_status", None)
    if status == TransactionStatus.IDLE:
        connection.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return
    level = connection.exec_driver_sql("SHOW transaction_isolation").scalar()
    if level not in ("repeatable read", "serializable"):
        raise StateError(
            f"a backup reads one snapshot, but this transaction is {level} and has already "
            "run a query: back up in a transaction of its own"
        )


def _tables() -> dict[str, Table]:
    tables = {name: Base.metadata.tables[name] for name in TABLES}
    missing = set(Base.metadata.tables) - set(TABLES) - NOT_BACKED_UP
    if missing:  # pragma: no cover - a new table must be placed in TABLES
        raise RuntimeError(f"tables not in the backup order: {', '.join(sorted(missing))}")
    return tables


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _line(value: Mapping[str, Any]) -> bytes:
    return (json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


# Restoring --------------------------------------------------------------------------------


def _check_target(session: Session, path: Path) -> dict[str, Any]:
    """Lock the target, check it is empty and at the backup's schema; the backup's header."""
    revision = MigrationContext.configure(session.connection()).get_current_revision()
    if revision is None:
        raise StateError("restore needs a migrated database: run `psotrial db upgrade` first")
    # Two restores into one database queue on the head's row lock; the second finds data.
    session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    study = session.scalars(select(Study)).first()
    if study is not None:
        raise StateError(
            f"restore needs an empty database; this one holds study {study.registry_id}"
        )
    tables = _tables()
    for name in TABLES:
        if name == "audit_head":
            continue
        rows = int(session.scalar(select(func.count()).select_from(tables[name])) or 0)
        if rows:
            raise StateError(f"restore needs an empty database; this one holds {rows} {name} rows")
    lines = _read_lines(path)
    try:
        header = next(lines, None)
    finally:
        lines.close()
    if header is None:
        raise DataEntryError(f"{path}: line 1: empty file; expected a psotrial backup header")
    return _check_header(path, header[1], revision)


def _check_header(path: Path, value: Any, revision: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DataEntryError(f"{path}: line 1: expected a backup header object")
    expected = {"format": BACKUP_FORMAT, "version": BACKUP_VERSION}
    for key, wanted in expected.items():
        if value.get(key) != wanted:
            raise DataEntryError(
                f"{path}: line 1: {key} is {value.get(key)!r}; expected {wanted!r}"
            )
    if value.get("schema_revision") != revision:
        raise DataEntryError(
            f"{path}: the backup is of schema revision {value.get('schema_revision')!r}; this "
            f"database is at {revision!r}: restore into a database at the backup's revision"
        )
    tables = value.get("tables")
    if (
        not isinstance(tables, dict)
        or set(tables) != set(TABLES)
        or not all(isinstance(n, int) and not isinstance(n, bool) for n in tables.values())
    ):
        raise DataEntryError(
            f"{path}: line 1: tables must give a row count for each of {', '.join(TABLES)}"
        )
    if not isinstance(value.get("created_at"), str):
        raise DataEntryError(f"{path}: line 1: created_at is missing")
    return value


def _read_lines(path: Path) -> Generator[tuple[int, Any], None, None]:
    """Each line of the gzip file as JSON, numbered from 1; corruption names its line."""
    number = 0
    try:
        with gzip.open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                yield number, json.loads(raw.decode("utf-8"))
    except OSError as exc:
        if not path.exists():
            raise DataEntryError(f"{path}: no such file") from None
        raise DataEntryError(
            f"{path}: line {number + 1}: not a readable gzip file: {exc}"
        ) from None
    except (EOFError, zlib.error) as exc:
        raise DataEntryError(
            f"{path}: line {number + 1}: the file is truncated or corrupt: {exc}"
        ) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataEntryError(f"{path}: line {number}: not valid JSON: {exc}") from None


def _read_rows(path: Path) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """Each row line as (line number, table, row decoded to Python values), checked."""
    tables = _tables()
    decoders = {name: _decoders(table) for name, table in tables.items()}
    position = 0
    for number, value in _read_lines(path):
        if number == 1:
            continue
        if not isinstance(value, dict) or set(value) != {"table", "row"}:
            raise DataEntryError(f'{path}: line {number}: expected {{"table": ..., "row": ...}}')
        name, row = value["table"], value["row"]
        if name not in tables:
            raise DataEntryError(
                f"{path}: line {number}: unknown table {name!r}; "
                f"expected one of {', '.join(TABLES)}"
            )
        if TABLES.index(name) < position:
            raise DataEntryError(
                f"{path}: line {number}: a {name} row after {TABLES[position]} rows; rows must "
                f"come in the order {', '.join(TABLES)}"
            )
        position = TABLES.index(name)
        if not isinstance(row, dict):
            raise DataEntryError(f"{path}: line {number}: row is not an object")
        yield number, name, _decode_row(path, number, name, row, decoders[name])


Decoder = Callable[[Any], Any]


def _decoders(table: Table) -> dict[str, tuple[Decoder, bool]]:
    decoders: dict[str, tuple[Decoder, bool]] = {}
    for column in table.columns:
        kind = column.type
        decoder: Decoder
        if isinstance(kind, UTCDateTime):
            decoder = _decode_datetime
        elif isinstance(kind, Date):
            decoder = _decode_date
        elif isinstance(kind, Boolean):
            decoder = _expect(bool, "true or false")
        elif isinstance(kind, Integer):
            decoder = _decode_int
        elif isinstance(kind, String):  # Text is a String
            decoder = _expect(str, "text")
        else:  # pragma: no cover - a new column type needs a decoder here
            raise RuntimeError(f"no backup decoder for {table.name}.{column.name} ({kind})")
        decoders[column.name] = (decoder, bool(column.nullable))
    return decoders


def _decode_row(
    path: Path,
    number: int,
    name: str,
    row: dict[str, Any],
    decoders: dict[str, tuple[Decoder, bool]],
) -> dict[str, Any]:
    if set(row) != set(decoders):
        missing = sorted(set(decoders) - set(row))
        unknown = sorted(set(row) - set(decoders))
        raise DataEntryError(
            f"{path}: line {number}: {name} row has "
            + "; ".join(
                part
                for part in (
                    f"missing columns {', '.join(missing)}" if missing else "",
                    f"unknown columns {', '.join(unknown)}" if unknown else "",
                )
                if part
            )
        )
    decoded: dict[str, Any] = {}
    for column, raw in row.items():
        decoder, nullable = decoders[column]
        if raw is None:
            if not nullable:
                raise DataEntryError(f"{path}: line {number}: {name}.{column} cannot be null")
            decoded[column] = None
            continue
        try:
            decoded[column] = decoder(raw)
        except (TypeError, ValueError) as exc:
            raise DataEntryError(f"{path}: line {number}: {name}.{column}: {exc}") from None
    return decoded


def _expect(kind: type, described: str) -> Decoder:
    def decode(value: Any) -> Any:
        if not isinstance(value, kind):
            raise TypeError(f"expected {described}, got {value!r}")
        return value

    return decode


def _decode_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _decode_date(value: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise TypeError(f"expected an ISO date (YYYY-MM-DD), got {value!r}")
    return date.fromisoformat(value)


def _decode_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO date-time with offset, got {value!r}")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"expected an ISO date-time with offset, got {value!r}")
    return moment.astimezone(UTC)


def _verify_backup(path: Path, header: Mapping[str, Any]) -> int:
    """Check every row and recompute the backup's audit chain; the number of events."""
    counts = dict.fromkeys(TABLES, 0)
    previous, last_id, events = GENESIS, 0, 0
    head: dict[str, Any] | None = None
    for number, name, row in _read_rows(path):
        counts[name] += 1
        if name == "audit_event":
            events += 1
            event = AuditEvent(**row)
            if event.id <= last_id:
                raise DataEntryError(
                    f"{path}: line {number}: audit event {event.id} comes after event {last_id}"
                )
            if event.prev_hash != previous:
                raise DataEntryError(
                    f"{path}: audit chain broken at event {event.id} (line {number}): its "
                    "previous hash does not match the event before it; nothing was restored"
                )
            if event.hash != compute_event_hash(previous, event_content(event)):
                raise DataEntryError(
                    f"{path}: audit event {event.id} (line {number}) does not match its hash: "
                    f"it was changed after it was written ({event.action} {event.entity} "
                    f"{event.entity_id} {event.item or ''}".rstrip()
                    + "); nothing was restored"
                )
            previous, last_id = event.hash, event.id
        elif name == "audit_head":
            head = row
    if counts != header["tables"]:
        differ = [
            f"{name} {counts[name]} (header says {header['tables'][name]})"
            for name in TABLES
            if counts[name] != header["tables"][name]
        ]
        raise DataEntryError(
            f"{path}: row counts do not match the header: {', '.join(differ)}; the file is "
            "incomplete"
        )
    if head is None or counts["audit_head"] != 1 or head["id"] != 1:
        raise DataEntryError(f"{path}: expected exactly one audit_head row, with id 1")
    if head["last_id"] != last_id or head["last_hash"] != previous:
        raise DataEntryError(
            f"{path}: the audit chain ends at event {last_id} but the head names event "
            f"{head['last_id']}: events were removed; nothing was restored"
        )
    return events


def _insert_rows(session: Session, path: Path) -> dict[str, int]:
    tables = _tables()
    counts = dict.fromkeys(TABLES, 0)
    batch: list[dict[str, Any]] = []
    current: str | None = None

    def flush() -> None:
        if current is not None and batch:
            session.execute(insert(tables[current]), batch)
            batch.clear()

    for _number, name, row in _read_rows(path):
        counts[name] += 1
        if name == "audit_head":
            # The migration made the head row; only audit_event is append-only.
            flush()
            table = tables[name]
            values = {key: value for key, value in row.items() if key != "id"}
            session.execute(update(table).where(table.c.id == row["id"]).values(**values))
            continue
        if name != current or len(batch) >= _BATCH:
            flush()
            current = name
        batch.append(row)
    flush()
    return counts


def _reset_sequences(session: Session) -> None:
    """PostgreSQL: move each id sequence past the restored ids (SQLite needs nothing)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    for name, table in _tables().items():
        if "id" not in table.c or name == "audit_head":
            continue
        highest = session.scalar(select(func.max(table.c.id)))
        if highest is not None:
            session.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :highest)"),
                {"table": quote(name), "highest": highest},
            )
