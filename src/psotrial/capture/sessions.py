"""Logins: a session per successful login, revocable, with an absolute lifetime.

The browser cookie and the API bearer token both carry a random session id (signed by the
web layer); the database keeps only its SHA-256, so a copy of the database opens no
session. Idle expiry is the web layer's (the signed cookie's age); the absolute expiry and
revocation (logout) are here. 21 CFR 11.10(d): access limited to authorised individuals.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor
from psotrial.capture.users import authenticate
from psotrial.db.engine import transaction
from psotrial.db.models import Site, User, UserSession, UserSite
from psotrial.errors import PermissionDenied

__all__ = ["SESSION_KINDS", "Login", "login", "logout", "resolve_session"]

SESSION_KINDS = ("browser", "api")


@dataclass(frozen=True)
class Login:
    """Who a session belongs to."""

    actor: Actor
    user_id: int
    full_name: str
    language: str
    token: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def login(
    factory: sessionmaker[Session],
    *,
    username: str,
    password: str,
    kind: str,
    now: datetime,
    lifetime: timedelta,
) -> Login:
    """Authenticate and open a session; the attempt is audited whatever its outcome.

    Raises:
        PermissionDenied: "invalid username or password" (the same for every refusal).
    """
    if kind not in SESSION_KINDS:
        raise ValueError(f"session kind {kind!r}; expected one of {SESSION_KINDS}")
    with transaction(factory) as session:
        actor = authenticate(session, username=username, password=password, now=now)
        if actor is None:
            opened = None
        else:
            user = session.scalars(select(User).where(User.username == username)).one()
            token = secrets.token_urlsafe(32)
            session.add(
                UserSession(
                    id=_digest(token),
                    user_id=user.id,
                    kind=kind,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )
            opened = Login(actor, user.id, user.full_name, user.language, token)
    if opened is None:
        raise PermissionDenied("invalid username or password")
    return opened


# One statement per request: the session, its live user and the user's sites (one row per
# site; one row with a NULL code for a user of no site). Built once: building a SELECT
# costs more CPU than SQLite takes to run it.
_RESOLVE = (
    select(User.id, User.username, User.full_name, User.role, User.language, Site.code)
    .select_from(UserSession)
    .join(User, User.id == UserSession.user_id)
    .outerjoin(UserSite, UserSite.user_id == User.id)
    .outerjoin(Site, Site.id == UserSite.site_id)
    .where(
        UserSession.id == bindparam("digest"),
        UserSession.revoked_at.is_(None),
        UserSession.expires_at > bindparam("now"),
        User.active.is_(True),
    )
)


def resolve_session(session: Session | Connection, *, token: str, now: datetime) -> Login | None:
    """The live session of ``token``, or None (unknown, revoked, expired, inactive user).

    Read from the database on every call, so a logout, a deactivation or an expiry takes
    effect on the very next request. ``session`` may be a plain connection; a Session's
    own connection runs the statement (in its transaction): the web layer asks on every
    request, and the ORM's execute took twice the CPU of the statement for nothing here.
    """
    connection = session.connection() if isinstance(session, Session) else session
    rows = connection.execute(_RESOLVE, {"digest": _digest(token), "now": now}).all()
    if not rows:
        return None
    user_id, username, full_name, role, language, _ = rows[0]
    sites = frozenset(row[5] for row in rows if row[5] is not None)
    return Login(Actor(username, role, sites), user_id, full_name, language, token)


def logout(session: Session, *, token: str, now: datetime) -> None:
    """Revoke a session (idempotent); audited when it was live."""
    revoked = session.execute(
        update(UserSession)
        .where(UserSession.id == _digest(token), UserSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .returning(UserSession.user_id)
    ).first()
    if revoked is not None:
        append_events(
            session,
            actor=session.scalars(select(User.username).where(User.id == revoked[0])).one(),
            at=now,
            changes=[Change("logout", "user", str(revoked[0]))],
        )
