"""Engine and session factory: SQLite (WAL, foreign keys, busy timeout) or PostgreSQL.

Nothing here runs at import time; callers build an engine from their settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from psotrial.settings import Settings

__all__ = ["make_engine", "make_sessionmaker", "transaction"]

SQLITE_BUSY_TIMEOUT_MS = 10_000


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


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that never expire loaded objects on commit (services return them)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back on any error.

    On SQLite the transaction takes the write lock up front (``BEGIN IMMEDIATE``), so two
    writers queue instead of failing half-way with "database is locked".
    """
    with factory() as session:
        session.connection(execution_options={"psotrial_write": True})
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
