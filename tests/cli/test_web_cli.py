"""``psotrial serve`` (its refusal, ``--workers``), ``users add|list`` and ``sites add|list``."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from psotrial.capture.actors import SYSTEM
from psotrial.capture.sessions import login, logout
from psotrial.capture.study import ensure_study
from psotrial.capture.users import create_user
from psotrial.db.engine import transaction
from psotrial.db.models import Site
from psotrial.protocol import load_protocol

PSOTRIAL = str(Path(sys.executable).parent / "psotrial")


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_serve_with_workers_refuses_a_revoked_token_in_every_worker(database: Any) -> None:
    """`serve --workers 2`: each worker checks the session in the database per request, so a
    logout refuses the token at once whichever worker answers next."""
    secret = secrets.token_urlsafe(48)
    with transaction(database.factory) as session:
        ensure_study(
            session,
            actor=SYSTEM,
            protocol=load_protocol("nct03745417"),
            protocol_name="nct03745417",
            synthetic=True,
        )
        create_user(
            session,
            actor=SYSTEM,
            username="lee",
            full_name="Lee (synthetic)",
            role="coordinator",
            password="a-long-password-2026",
            sites=["GZ01"],
        )
    port = _free_port()
    env = {
        **os.environ,
        "PSOTRIAL_DATABASE_URL": database.settings.database_url,
        "PSOTRIAL_SECRET_KEY": secret,
    }
    command = [PSOTRIAL, "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, "psotrial serve --workers 2 exited"
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "no answer from psotrial serve --workers 2"
            time.sleep(0.2)
        answer = httpx.post(
            f"{url}/api/v1/auth/token",
            json={"username": "lee", "password": "a-long-password-2026"},
        )
        assert answer.status_code == 200, answer.text
        signed = answer.json()["access_token"]
        headers = {"Authorization": f"Bearer {signed}"}
        for _ in range(6):  # new connections: the kernel spreads them over the workers
            assert httpx.get(f"{url}/api/v1/participants", headers=headers).status_code == 200
        token = URLSafeTimedSerializer(secret).loads(signed, salt="psotrial.api-token")
        with transaction(database.factory) as session:
            logout(session, token=token, now=datetime.now(UTC))
        for _ in range(6):
            assert httpx.get(f"{url}/api/v1/participants", headers=headers).status_code == 401
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
