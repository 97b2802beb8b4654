"""Logins: sessions open, expire, revoke; lockout after repeated failures; all audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from psotrial.capture.sessions import login, logout, resolve_session
from psotrial.capture.users import LOCKOUT_AFTER, LOCKOUT_FOR
from psotrial.db.engine import transaction
from psotrial.db.models import AuditEvent, UserSession
from psotrial.errors import PermissionDenied

HOUR = timedelta(hours=1)


def _login(trial: Any, password: str | None = None, at: Any = None) -> Any:
    return login(
        trial.db.factory,
        username="monitor",
        password=password or trial.password,
        kind="browser",
        now=at or trial.now,
        lifetime=HOUR,
    )


def test_login_opens_a_session_stored_only_as_a_digest(trial: Any) -> None:
    opened = _login(trial)
    assert opened.actor.role == "monitor"
    with trial.db.factory() as session:
        stored = session.scalars(select(UserSession.id)).all()
        assert len(stored) == 1
        assert opened.token not in stored
        assert resolve_session(session, token=opened.token, now=trial.now) == opened


def test_session_expires_after_its_lifetime(trial: Any) -> None:
    opened = _login(trial)
    with trial.db.factory() as session:
        later = trial.now + HOUR
        assert resolve_session(session, token=opened.token, now=later) is None
        assert resolve_session(session, token="forged", now=trial.now) is None


def test_logout_revokes_the_session_and_is_audited(trial: Any) -> None:
    opened = _login(trial)
    with transaction(trial.db.factory) as session:
        logout(session, token=opened.token, now=trial.now)
    with trial.db.factory() as session:
        assert resolve_session(session, token=opened.token, now=trial.now) is None
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "login" in actions
    assert "logout" in actions


def test_failures_are_audited_and_lock_the_account(trial: Any) -> None:
    for _ in range(LOCKOUT_AFTER):
        with pytest.raises(PermissionDenied, match="invalid username or password"):
            _login(trial, password="wrong-password")
    with pytest.raises(PermissionDenied, match="invalid username or password"):
        _login(trial)  # the right password, but locked
    assert _login(trial, at=trial.now + LOCKOUT_FOR).actor.username == "monitor"
    with trial.db.factory() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("login_failed") == LOCKOUT_AFTER
    assert actions.count("login_locked") == 1


def test_unknown_user_is_refused_alike_and_audited_as_anonymous(trial: Any) -> None:
    with pytest.raises(PermissionDenied, match="invalid username or password"):
        login(
            trial.db.factory,
            username="x" * 64,
            password="whatever",
            kind="api",
            now=trial.now,
            lifetime=HOUR,
        )
    with trial.db.factory() as session:
        last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last is not None
    assert (last.action, last.actor) == ("login_failed", "anonymous")
