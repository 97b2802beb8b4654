"""Open the configured database for a command: settings, engine, sessions, protocol."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from psotrial.capture.study import get_study
from psotrial.db.engine import make_engine, make_sessionmaker
from psotrial.db.migrate import current_revision, head_revision
from psotrial.errors import ConfigError
from psotrial.protocol import Protocol, load_protocol
from psotrial.settings import Settings, get_settings

__all__ = ["Opened", "open_database", "study_protocol"]


@dataclass(frozen=True)
class Opened:
    """The configured database, ready for services."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]


def open_database(*, migrated: bool = True) -> Opened:
    """The database of ``PSOTRIAL_DATABASE_URL``; with ``migrated``, refuse an old schema.

    Raises:
        ConfigError: the schema is missing or behind (run ``psotrial db upgrade``).
    """
    try:
        settings = get_settings()
    except ValueError as exc:
        raise ConfigError(" ".join(str(exc).split())) from None
    engine = make_engine(settings)
    if migrated:
        current, head = current_revision(engine), head_revision(engine)
        if current != head:
            raise ConfigError(
                f"the database schema is at {current or 'nothing'}, this psotrial needs {head}: "
                "run `psotrial db upgrade`"
            )
    return Opened(settings, engine, make_sessionmaker(engine))


def study_protocol(factory: sessionmaker[Session]) -> tuple[str, Protocol]:
    """The name and definition of the protocol the database's study was created from."""
    with factory() as session:
        name = get_study(session).protocol
    return name, load_protocol(name)
