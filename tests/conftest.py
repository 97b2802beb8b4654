"""Shared fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL is reached at ``PSOTRIAL_TEST_POSTGRES_URL`` (``.ci/run`` sets it), else at the
local default; each test gets its own schema, dropped afterwards. Where no server answers
and the variable is unset (a laptop), the PostgreSQL half is skipped and the run says so;
where the variable is set, an unreachable server is an error.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from psotrial.db.engine import make_engine, make_sessionmaker
from psotrial.db.migrate import upgrade
from psotrial.settings import Settings

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_POSTGRES_URL = os.environ.get("PSOTRIAL_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
_POSTGRES_REQUIRED = bool(os.environ.get("PSOTRIAL_TEST_POSTGRES_URL"))


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(_POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


_POSTGRES_PROBLEM = _postgres_reachable()


def pytest_report_header() -> str:
    if _POSTGRES_PROBLEM is None:
        return f"PostgreSQL: {_POSTGRES_URL} (both database halves run)"
    return (
        f"PostgreSQL: NOT reachable at {_POSTGRES_URL} ({_POSTGRES_PROBLEM}); "
        "the PostgreSQL half of the suite is SKIPPED"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _POSTGRES_PROBLEM is not None:
        terminalreporter.write_line(
            "NOTE: the PostgreSQL half was skipped: no server at "
            f"{_POSTGRES_URL}. Set PSOTRIAL_TEST_POSTGRES_URL to run it.",
            yellow=True,
        )


@dataclass
class Database:
    """A migrated, empty database for one test."""

    backend: str
    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        settings = Settings(database_url=f"sqlite:///{tmp_path / 'trial.db'}")
        engine = make_engine(settings)
        upgrade(engine)
        yield Database("sqlite", settings, engine, make_sessionmaker(engine))
        engine.dispose()
        return
    if _POSTGRES_PROBLEM is not None:
        if _POSTGRES_REQUIRED:
            pytest.fail(f"PSOTRIAL_TEST_POSTGRES_URL is set but unreachable: {_POSTGRES_PROBLEM}")
        pytest.skip(f"PostgreSQL half skipped: {_POSTGRES_PROBLEM}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in _POSTGRES_URL else "?"
    settings = Settings(database_url=f"{_POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    engine = make_engine(settings)
    try:
        upgrade(engine)
        yield Database("postgres", settings, engine, make_sessionmaker(engine))
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost in tests: the same code path, ~1 ms a hash instead of ~150 ms.

    Production keeps argon2-cffi's defaults (RFC 9106 low-memory profile).
    """
    from argon2 import PasswordHasher

    import psotrial.capture.users as users

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield
