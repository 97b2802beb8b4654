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

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor
from psotrial.capture.users import actor_for, authenticate
from psotrial.db.engine import transaction
from psotrial.db.models import User, UserSession
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


def resolve_session(session: Session, *, token: str, now: datetime) -> Login | None:
    """The live session of ``token``, or None (unknown, revoked, expired, inactive user)."""
    row = session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.id == _digest(token),
            UserSession.revoked_at.is_(None),
            UserSession.expires_at > now,
            User.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user = row[1]
    return Login(actor_for(user), user.id, user.full_name, user.language, token)


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
