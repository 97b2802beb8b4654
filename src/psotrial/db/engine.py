"""Engine and session factory: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL.

Nothing here runs at import time; callers build an engine from their settings.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from psotrial.settings import Settings

__all__ = ["make_engine", "make_sessionmaker", "transaction"]

SQLITE_BUSY_TIMEOUT_MS = 10_000

# One lock per SQLite engine, taken by every write transaction of this process before its
# BEGIN IMMEDIATE (see transaction()).
_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def make_engine(settings: Settings) -> Engine:
    """An engine for ``settings.database_url`` (the parent folder of a SQLite file is made)."""
    url = settings.database_url
    if url.startswith("sqlite"):
        path = settings.sqlite_path
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_sqlite)
        _WRITE_LOCKS[engine] = threading.RLock()
        if path is not None and path.exists():
            _guard_file(engine, path)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _configure_sqlite(connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event start transactions instead of pysqlite's implicit BEGIN.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    # A writer takes the write lock up front, so two writers queue (busy timeout) instead of
    # one failing half-way with "database is locked"; readers begin deferred.
    immediate = connection.get_execution_options().get("psotrial_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _file_identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def _guard_file(engine: Engine, path: Path) -> None:
    """Refuse to write when the database file was deleted, moved or replaced under us.

    SQLite goes on writing through open connections to a file that was deleted (and a new
    connection would create an empty database at the path), so saves would be acknowledged
    and then lost (tests/reliability/test_storage_faults.py). Each connection remembers
    the file it opened: at checkout one whose file is no longer at the path is replaced
    (DisconnectionError makes the pool reconnect), a commit through it is refused, and no
    connection re-creates a missing file. Every refusal is an OperationalError: the
    caller reports the database unavailable, nothing saved.
    """

    def missing() -> sqlite3.OperationalError:
        return sqlite3.OperationalError(
            f"unable to open database file: {path} was deleted, moved or replaced"
        )

    @event.listens_for(engine, "do_connect")
    def _refuse_missing(dialect: Any, record: Any, cargs: Any, cparams: Any) -> None:
        if _file_identity(path) is None:
            raise missing()

    @event.listens_for(engine, "connect")
    def _remember(dbapi_connection: Any, record: Any) -> None:
        record.info["psotrial_file"] = _file_identity(path)

    @event.listens_for(engine, "checkout")
    def _check_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get("psotrial_file") != _file_identity(path):
            raise DisconnectionError(str(missing()))

    @event.listens_for(engine, "commit")
    def _check_commit(connection: Connection) -> None:
        if connection.connection.info.get("psotrial_file") != _file_identity(path):
            raise OperationalError("COMMIT", None, missing())


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that never expire loaded objects on commit (services return them)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back on any error.

    On SQLite the transaction takes the write lock up front (``BEGIN IMMEDIATE``), so two
    writers queue instead of failing half-way with "database is locked". Writers of one
    process first queue on a lock of their own: SQLite's busy handler polls with sleeps of
    up to 100 ms, so under load (32 clients saving forms) the database sat idle while
    waiters slept and saves took seconds; a thread lock hands over at once. The busy
    timeout still applies between processes (``serve --workers``, the CLI).
    """
    bind = factory.kw.get("bind")
    lock = _WRITE_LOCKS.get(bind) if isinstance(bind, Engine) else None
    locked = lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000) if lock is not None else False
    try:
        with factory() as session:
            session.connection(execution_options={"psotrial_write": True})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if locked and lock is not None:
            lock.release()
