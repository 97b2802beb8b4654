"""Sites of a multi-centre trial: seeded from the protocol, more added by an admin."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.study import get_study
from psotrial.db.models import Site
from psotrial.errors import FieldError

__all__ = ["SITE_CODE", "add_site", "list_sites"]

# Site codes prefix participant IDs (GZ01-001), so they are short, upper case and plain.
SITE_CODE = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


def add_site(
    session: Session,
    *,
    actor: Actor,
    code: str,
    name: str,
    timezone: str,
    now: datetime | None = None,
) -> Site:
    """Add a site to the study (audited).

    Raises:
        FieldError: a malformed or taken code, an empty name, an unknown time zone.
    """
    require(actor, "manage_users")
    if not SITE_CODE.match(code):
        raise FieldError(
            "code", f"{code!r}: 2-8 upper-case letters or digits, starting with a letter"
        )
    if not name.strip():
        raise FieldError("name", "must not be empty")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError(
            "timezone", f"{timezone!r} is not an IANA time zone such as Asia/Shanghai"
        ) from None
    study = get_study(session)
    if session.scalar(select(Site).where(Site.code == code)) is not None:
        raise FieldError("code", f"site {code} already exists")
    site = Site(
        study_id=study.id,
        code=code,
        name=name.strip(),
        timezone=timezone,
        next_screening_number=1,
        next_participant_number=1,
    )
    session.add(site)
    session.flush()
    append_events(
        session,
        actor=actor.username,
        at=now or datetime.now(UTC),
        changes=[
            Change("create", "site", str(site.id), item="code", new=code),
            Change("create", "site", str(site.id), item="name", new=site.name),
        ],
    )
    return site


def list_sites(session: Session) -> list[Site]:
    """Every site, by code."""
    return list(session.scalars(select(Site).order_by(Site.code)))
