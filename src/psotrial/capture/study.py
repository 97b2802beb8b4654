"""The study row and its sites, created from the protocol."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor
from psotrial.db.models import Site, Study
from psotrial.errors import ConfigError
from psotrial.protocol import Protocol

__all__ = ["ensure_study", "get_study"]


def get_study(session: Session) -> Study:
    """The one study of this database.

    Raises:
        ConfigError: the database holds no study yet (run ``psotrial demo`` or import).
    """
    study: Study | None = session.scalars(select(Study)).first()
    if study is None:
        raise ConfigError(
            "this database has no study yet: run `psotrial demo` or `psotrial import`"
        )
    return study


def ensure_study(
    session: Session,
    *,
    actor: Actor,
    protocol: Protocol,
    protocol_name: str,
    synthetic: bool = False,
    now: datetime | None = None,
) -> Study:
    """Create the study and its sites from the protocol, or return the existing study.

    Raises:
        ConfigError: the database already holds another study.
    """
    study: Study | None = session.scalars(select(Study)).first()
    if study is not None:
        if study.registry_id != protocol.identity.registry_id:
            raise ConfigError(
                f"this database holds study {study.registry_id}, not "
                f"{protocol.identity.registry_id}"
            )
        return study
    now = now or datetime.now(UTC)
    study = Study(
        registry_id=protocol.identity.registry_id,
        protocol=protocol_name,
        title=protocol.identity.title,
        synthetic=synthetic,
        locked=False,
        created_at=now,
    )
    session.add(study)
    session.flush()
    changes = [
        Change("create", "study", str(study.id), item="registry_id", new=study.registry_id),
        Change("create", "study", str(study.id), item="synthetic", new=synthetic),
    ]
    for spec in protocol.sites:
        site = Site(
            study_id=study.id,
            code=spec.code,
            name=spec.name,
            timezone=spec.timezone,
            next_screening_number=1,
            next_participant_number=1,
        )
        session.add(site)
        session.flush()
        changes.append(Change("create", "site", str(site.id), item="code", new=spec.code))
    append_events(session, actor=actor.username, at=now, changes=changes)
    return study
