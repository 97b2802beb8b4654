"""Shared fixtures: a fresh, migrated database per test, on SQLite and on PostgreSQL.

PostgreSQL is reached at ``PSOTRIAL_TEST_POSTGRES_URL`` (``.ci/run`` sets it), else at the
local default; each test gets its own schema, dropped afterwards. Where no server answers
and the variable is unset (a laptop), the PostgreSQL half is skipped and the run says so;
where the variable is set, an unreachable server is an error.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from psotrial.capture.actors import SYSTEM, Actor
from psotrial.capture.enrolment import enrol
from psotrial.capture.entries import save_entry
from psotrial.capture.participants import register_candidate
from psotrial.capture.study import ensure_study
from psotrial.capture.users import actor_for, create_user
from psotrial.capture.visits import record_visit
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.db.migrate import upgrade
from psotrial.db.models import Participant
from psotrial.protocol import Protocol, load_protocol
from psotrial.screening.schema import build_example_record
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


# --- A trial on a fresh database: the study, one user per role, helpers to screen and enrol.


PASSWORD = "synthetic-pass-123"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Trial:
    """The database, the protocol and an actor per role."""

    db: Any
    protocol: Protocol
    actors: dict[str, Actor] = field(default_factory=dict)
    now: datetime = NOW
    password: str = PASSWORD

    def session(self) -> Any:
        return transaction(self.db.factory)

    def screening_forms(self) -> dict[str, Any]:
        forms = copy.deepcopy(build_example_record(self.protocol)["forms"])
        return dict(forms)

    def screen(self, session: Session, forms: dict[str, Any] | None = None) -> Participant:
        coordinator = self.actors["coordinator"]
        participant = register_candidate(
            session,
            actor=coordinator,
            site="GZ01",
            screening_date=date(2026, 2, 23),
            planned_first_infusion=date(2026, 3, 2),
            now=NOW,
        )
        record_visit(
            session,
            protocol=self.protocol,
            actor=coordinator,
            participant=participant,
            visit="SCR",
            on=date(2026, 2, 23),
            now=NOW,
        )
        for form, data in (forms or self.screening_forms()).items():
            save_entry(
                session,
                protocol=self.protocol,
                actor=coordinator,
                participant=participant,
                visit="SCR",
                form=form,
                data=data,
                base_version=0,
                now=NOW,
            )
        return participant

    def enrolled(self, session: Session) -> Participant:
        participant = self.screen(session)
        return enrol(
            session,
            protocol=self.protocol,
            actor=self.actors["investigator"],
            participant=participant,
            first_infusion=date(2026, 3, 2),
            now=NOW,
        )


@pytest.fixture
def trial(database: Any) -> Trial:
    protocol = load_protocol("nct03745417")
    trial = Trial(database, protocol)
    with transaction(database.factory) as session:
        ensure_study(
            session,
            actor=SYSTEM,
            protocol=protocol,
            protocol_name="nct03745417",
            synthetic=True,
            now=NOW,
        )
        admin = Actor("admin", "admin")
        for role in ("coordinator", "investigator", "monitor", "data_manager", "statistician"):
            user = create_user(
                session,
                actor=SYSTEM,
                username=role,
                full_name=f"{role} (synthetic)",
                role=role,
                password=PASSWORD,
                sites=["GZ01"],
                now=NOW,
            )
            trial.actors[role] = actor_for(user)
        trial.actors["admin"] = admin
    return trial


# --- The demo trial, built once per test session (SQLite), with its SDTM and ADaM.


@dataclass(frozen=True)
class DemoStudy:
    """A 30-candidate SYNTHETIC demo database and the datasets built from it.

    Shared by every test that reads it: tests may add audit events (exports) but must not
    change clinical data; a test that writes builds its own.
    """

    url: str
    factory: sessionmaker[Session]
    protocol: Protocol
    captured: Any
    sdtm: dict[str, Any]
    adam: dict[str, dict[str, Any]]


@pytest.fixture(scope="session")
def demo_study(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoStudy]:
    from psotrial.adam import build_adam
    from psotrial.capture.demo import build_demo
    from psotrial.capture.extract import load_captured
    from psotrial.sdtm import build_sdtm

    path = tmp_path_factory.mktemp("demo-study") / "trial.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    engine = make_engine(settings)
    try:
        upgrade(engine)
        factory = make_sessionmaker(engine)
        protocol = load_protocol("nct03745417")
        build_demo(
            factory,
            protocol=protocol,
            protocol_name="nct03745417",
            participants=30,
            now=datetime(2026, 9, 1, 9, 0, tzinfo=UTC),
        )
        with factory() as session:
            captured = load_captured(session, protocol)
        sdtm = dict(build_sdtm(captured, protocol))
        adam = {
            imputation: dict(build_adam(sdtm, protocol, imputation=imputation))
            for imputation in ("nri", "locf")
        }
        yield DemoStudy(settings.database_url, factory, protocol, captured, sdtm, adam)
    finally:
        engine.dispose()
