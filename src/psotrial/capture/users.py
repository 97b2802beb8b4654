"""Users: create, authenticate (argon2id), and re-authenticate for e-signatures.

Password policy (NIST SP 800-63B section 5.1.1.2: length, and no password found in lists of
commonly used or breached passwords, nor one derived from the username): at least
:data:`MIN_PASSWORD_LENGTH` characters, not on the shipped list of the 10,000 most common
passwords (``psotrial/data/common-passwords.txt``, provenance in ``data/README.md``), and
neither equal to nor containing the username.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.audit import Change, append_events
from psotrial.capture.actors import ROLES, Actor, require
from psotrial.db.models import Site, User
from psotrial.errors import FieldError, NotFoundError, PermissionDenied

__all__ = [
    "LOCKOUT_AFTER",
    "LOCKOUT_FOR",
    "MIN_PASSWORD_LENGTH",
    "actor_for",
    "authenticate",
    "check_password_policy",
    "create_user",
    "load_common_passwords",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10
LOCKOUT_AFTER = 5
LOCKOUT_FOR = timedelta(minutes=15)
_HASHER = PasswordHasher()
# A real hash to verify against when the user does not exist, so timing does not tell. Made
# by the hasher in use (see _dummy_hash), so its cost is that of the users' own hashes.
_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash() -> str:
    key = id(_HASHER)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = _HASHER.hash("not-a-real-password")
    return _DUMMY_HASHES[key]


@cache
def load_common_passwords() -> frozenset[str]:
    """The shipped list of the 10,000 most common passwords, in lower case."""
    text = (resources.files("psotrial") / "data" / "common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def check_password_policy(password: str, *, username: str) -> None:
    """Refuse a password that is short, common, or built on the username.

    Compared in lower case; the username is looked for inside the password once it is at
    least 3 characters long (a shorter one would refuse most passwords by chance).

    Raises:
        FieldError: ``password``, naming the rule it breaks.

    Example:
        >>> check_password_policy("ann-2026-ann", username="ann")
        Traceback (most recent call last):
        ...
        psotrial.errors.FieldError: password: must not be or contain the username
        >>> check_password_policy("tulip-harbour-93", username="ann")
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise FieldError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    lowered, name = password.lower(), username.lower()
    if lowered in load_common_passwords():
        raise FieldError("password", "is one of the 10,000 most common passwords; choose another")
    if lowered == name or (len(name) >= 3 and name in lowered):
        raise FieldError("password", "must not be or contain the username")


def create_user(
    session: Session,
    *,
    actor: Actor,
    username: str,
    full_name: str,
    role: str,
    password: str,
    sites: Iterable[str] = (),
    now: datetime | None = None,
) -> User:
    """Create a user with a hashed password; audited without the password.

    Raises:
        FieldError: an unknown role, a taken username, or a password the policy refuses
            (:func:`check_password_policy`).
    """
    require(actor, "manage_users")
    if role not in ROLES or role == "system":
        raise FieldError("role", f"expected one of: {', '.join(r for r in ROLES if r != 'system')}")
    check_password_policy(password, username=username)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise FieldError("username", f"{username!r} is taken")
    codes = list(sites)
    found = list(session.scalars(select(Site).where(Site.code.in_(codes))))
    unknown = sorted(set(codes) - {site.code for site in found})
    if unknown:
        raise NotFoundError("site", unknown[0], [s.code for s in session.scalars(select(Site))])
    now = now or datetime.now(UTC)
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        password_hash=_HASHER.hash(password),
        active=True,
        created_at=now,
        sites=found,
    )
    session.add(user)
    session.flush()
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change("create", "user", str(user.id), item="role", new=role),
            Change("create", "user", str(user.id), item="sites", new=sorted(codes)),
        ],
    )
    return user


def actor_for(user: User) -> Actor:
    """The :class:`Actor` a user acts as."""
    return Actor(user.username, user.role, frozenset(site.code for site in user.sites))


def authenticate(
    session: Session, *, username: str, password: str, now: datetime | None = None
) -> Actor | None:
    """Check a password; every attempt is an audit event; ``None`` when refused.

    Refused alike (no user enumeration): an unknown user, a wrong password, an inactive
    account, and an account locked after :data:`LOCKOUT_AFTER` consecutive failures (for
    :data:`LOCKOUT_FOR`; 21 CFR 11.300(d): attempts at unauthorised use are detected).
    The caller commits, so a refusal is recorded, and answers with one generic message.
    """
    now = now or datetime.now(UTC)
    user = session.scalar(select(User).where(User.username == username))
    try:
        _HASHER.verify(user.password_hash if user else _dummy_hash(), password)
        valid = user is not None and user.active
    except (VerificationError, InvalidHashError):
        valid = False
    locked = user is not None and user.locked_until is not None and user.locked_until > now
    if user is not None:
        if valid and not locked:
            user.failed_logins = 0
            user.locked_until = None
        elif not locked:
            user.failed_logins += 1
            if user.failed_logins >= LOCKOUT_AFTER:
                user.locked_until = now + LOCKOUT_FOR
                user.failed_logins = 0
    action = "login" if valid and not locked else "login_locked" if locked else "login_failed"
    append_events(
        session,
        actor=username if user is not None else "anonymous",
        at=now,
        changes=[Change(action, "user", str(user.id) if user else None)],
    )
    if not valid or locked or user is None:
        return None
    return actor_for(user)


def verify_password(session: Session, *, username: str, password: str) -> None:
    """Re-authentication for a signature: the signer's own password, checked again.

    Raises:
        PermissionDenied: the password is wrong (the attempt is left to the caller's audit).
    """
    user = session.scalar(select(User).where(User.username == username))
    try:
        _HASHER.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        raise PermissionDenied(
            "the password is not correct; the signature was not applied"
        ) from None
    if user is None or not user.active:
        raise PermissionDenied("the password is not correct; the signature was not applied")
