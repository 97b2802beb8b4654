"""``psotrial serve`` (its refusal), ``users add|list`` and ``sites add|list``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from psotrial.capture.actors import SYSTEM
from psotrial.capture.sessions import login
from psotrial.capture.study import ensure_study
from psotrial.db.engine import transaction
from psotrial.db.models import Site
from psotrial.protocol import load_protocol


@pytest.fixture
def real_study(database: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", database.settings.database_url)
    monkeypatch.delenv("PSOTRIAL_SECRET_KEY", raising=False)
    with transaction(database.factory) as session:
        ensure_study(
            session,
            actor=SYSTEM,
            protocol=load_protocol("nct03745417"),
            protocol_name="nct03745417",
            synthetic=False,
        )
    return database


def test_serve_refuses_the_demo_secret_for_a_real_study(cli: Any, real_study: Any) -> None:
    status, _, err = cli("serve", "--port", "1")
    assert status == 2
    assert "PSOTRIAL_SECRET_KEY is the demo key" in err


def test_users_add_reads_the_password_from_stdin_and_can_log_in(cli: Any, real_study: Any) -> None:
    status, out, err = cli(
        "users", "add", "lee", "--role", "coordinator", "--site", "GZ01",
        stdin="a-long-password-2026\n",
    )  # fmt: skip
    assert status == 0, err
    assert out.strip() == "created lee (coordinator) at GZ01"
    opened = login(
        real_study.factory,
        username="lee",
        password="a-long-password-2026",
        kind="api",
        now=datetime.now(UTC),
        lifetime=timedelta(hours=1),
    )
    assert opened.actor.sites == frozenset({"GZ01"})
    status, out, _ = cli("users", "list")
    assert status == 0
    assert "lee" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--role", "wizard"), "role: expected one of: coordinator"),
        (("--role", "coordinator", "--site", "XX99"), "site 'XX99'"),
    ],
)
def test_users_add_refuses_bad_role_or_site(
    cli: Any, real_study: Any, argv: tuple[str, ...], message: str
) -> None:
    status, _, err = cli("users", "add", "lee", *argv, stdin="a-long-password-2026\n")
    assert status == 2
    assert message in err


def test_users_add_refuses_a_short_password(cli: Any, real_study: Any) -> None:
    status, _, err = cli("users", "add", "lee", "--role", "monitor", stdin="short\n")
    assert status == 2
    assert "password: must be at least 10 characters" in err


def test_sites_add_and_list(cli: Any, real_study: Any) -> None:
    status, out, err = cli("sites", "add", "SH01", "Shanghai (synthetic)")
    assert status == 0, err
    assert out.strip() == "added site SH01 (Shanghai (synthetic), Asia/Shanghai)"
    with real_study.factory() as session:
        assert (
            session.scalar(select(Site.name).where(Site.code == "SH01")) == "Shanghai (synthetic)"
        )
    status, out, _ = cli("sites", "list")
    assert "SH01" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("gz03", "Lower case"), "code: 'gz03': 2-8 upper-case letters or digits"),
        (("GZ01", "Taken"), "code: site GZ01 already exists"),
        (("GZ03", "Zone", "--timezone", "Mars/Olympus"), "timezone: 'Mars/Olympus' is not"),
    ],
)
def test_sites_add_refuses_bad_input(
    cli: Any, real_study: Any, argv: tuple[str, ...], message: str
) -> None:
    status, _, err = cli("sites", "add", *argv)
    assert status == 2
    assert message in err
