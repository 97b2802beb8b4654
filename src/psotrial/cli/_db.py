"""Open the configured database for a command: settings, engine, sessions, protocol."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from psotrial.errors import ConfigError

# SQLAlchemy, the settings and the protocol models load when a command opens the database,
# not when `psotrial --help` lists the commands (issue 7: start-up time).
if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session, sessionmaker

    from psotrial.protocol import Protocol
    from psotrial.settings import Settings

__all__ = ["Opened", "open_database", "study_protocol"]


@dataclass(frozen=True)
class Opened:
    """The configured database, ready for services."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]


@contextmanager
def open_database(*, migrated: bool = True) -> Iterator[Opened]:
    """The database of ``PSOTRIAL_DATABASE_URL``, closed when the block ends.

    With ``migrated``, refuse a database whose schema is missing or behind.

    Raises:
        ConfigError: the schema is missing or behind (run ``psotrial db upgrade``).
    """
    from pydantic import ValidationError

    from psotrial.db.engine import make_engine, make_sessionmaker
    from psotrial.db.migrate import current_revision, head_revision
    from psotrial.settings import get_settings

    try:
        settings = get_settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"PSOTRIAL_{str(error['loc'][0]).upper()}: {message}") from None
    engine = make_engine(settings)
    try:
        if migrated:
            current, head = current_revision(engine), head_revision(engine)
            if current != head:
                raise ConfigError(
                    f"the database schema is at {current or 'nothing'}, this psotrial needs "
                    f"{head}: run `psotrial db upgrade`"
                )
        yield Opened(settings, engine, make_sessionmaker(engine))
    finally:
        engine.dispose()


def study_protocol(factory: sessionmaker[Session]) -> tuple[str, Protocol]:
    """The name and definition of the protocol the database's study was created from."""
    from psotrial.capture.study import get_study
    from psotrial.protocol import load_protocol

    with factory() as session:
        name = get_study(session).protocol
    return name, load_protocol(name)
