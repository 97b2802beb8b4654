"""Secrets: the server refuses the demo key for a real study; no secret key, password, password
hash or session token ever appears in logs, API responses, page bodies, exports or the audit
trail.

The flow test drives one in-process server with a secret key of its own through logins (right,
wrong, a password typed into the username box), saves, a signature, a CSRF refusal and a 404,
capturing every log record at DEBUG (psotrial's and uvicorn's, access log included) and every
response body; then searches them, and every stored audit_event row, for each secret.

Backups are not exports: a backup holds the users' password hashes (and the whole audit
trail) because restoring it must restore the accounts; it is protected as the database is
(written owner-only by psotrial backup; docs/reliability.md). Every other export is searched
here (files written by ``exported_study``).

The response bodies of the access matrix (tests/reliability/test_access_matrix.py) are
searched too: over 500 calls as every role.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from psotrial.capture.actors import SYSTEM
from psotrial.capture.study import ensure_study
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.db.migrate import upgrade
from psotrial.db.models import AuditEvent, FormEntry, User
from psotrial.protocol import load_protocol
from psotrial.settings import Settings
from psotrial.web import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WRONG = "wrong-Password-typed-1"


def _real_study(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'real.db'}"
    engine = make_engine(Settings(database_url=url))
    upgrade(engine)
    with transaction(make_sessionmaker(engine)) as session:
        ensure_study(
            session,
            actor=SYSTEM,
            protocol=load_protocol("nct03745417"),
            protocol_name="nct03745417",
            synthetic=False,
        )
    engine.dispose()
    return url


def test_serve_refuses_the_demo_key_for_a_real_study_as_a_process(tmp_path: Path) -> None:
    """``psotrial serve`` in its own interpreter, as an operator starts it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PSOTRIAL_")}
    env["PSOTRIAL_DATABASE_URL"] = _real_study(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", "from psotrial.cli.main import run; run()", "serve", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done
    assert "PSOTRIAL_SECRET_KEY is the demo key" in done.stderr
    assert "serving" not in done.stdout


def test_serve_starts_on_a_real_study_with_its_own_key(
    tmp_path: Path, serve: Any, kit: Any
) -> None:
    secret = f"own-secret-{uuid.uuid4().hex}"
    process = serve(_real_study(tmp_path))
    process.env["PSOTRIAL_SECRET_KEY"] = secret
    process.start()
    try:
        assert httpx.get(f"{process.url}/healthz", timeout=10).status_code == 200
    finally:
        process.kill()
    assert secret not in process.log.read_text(errors="replace")


# --- One flow, everything it leaves behind searched -----------------------------------------


@pytest.fixture
def flow(
    trial: Any, caplog: pytest.LogCaptureFixture
) -> tuple[list[str], list[str], str, list[str]]:
    """Drive the app; the response bodies, log lines, secret key and tokens seen."""
    secret = f"flow-secret-{uuid.uuid4().hex}"
    settings = trial.db.settings.model_copy(update={"secret_key": secret})
    app = create_app(settings, factory=trial.db.factory)
    with trial.session() as session:
        participant = trial.enrolled(session)
        pid = participant.participant_code
    caplog.set_level(logging.DEBUG)
    config = uvicorn.Config(app, log_level="debug", access_log=True, log_config=None)
    bodies: list[str] = []
    tokens: list[str] = []
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    host, port = sock.getsockname()
    url = f"http://{host}:{port}"
    try:
        with httpx.Client(base_url=url, timeout=60) as api, httpx.Client(base_url=url) as page:

            def keep(response: httpx.Response) -> httpx.Response:
                bodies.append(response.text)
                bodies.append(str(response.headers.get_list("set-cookie")))
                return response

            for username, password in (
                ("coordinator", WRONG),
                (trial.password, trial.password),  # a password typed as the username
                ("nobody", trial.password),
            ):
                keep(
                    api.post(
                        "/api/v1/auth/token", json={"username": username, "password": password}
                    )
                )
            token = keep(
                api.post(
                    "/api/v1/auth/token",
                    json={"username": "investigator", "password": trial.password},
                )
            ).json()["access_token"]
            tokens.append(token)
            api.headers["Authorization"] = f"Bearer {token}"
            form = f"/api/v1/participants/{pid}/visits/W0/forms/vital_signs"
            keep(api.get(form))
            keep(
                api.put(
                    form,
                    json={
                        "data": {
                            "weight_kg": 70.5,
                            "systolic_bp": 120,
                            "diastolic_bp": 80,
                            "heart_rate": 70,
                            "temperature_c": 36.6,
                        },
                        "version": 0,
                    },
                )
            )
            keep(api.get(f"/api/v1/participants/{pid}/audit"))
            keep(api.get("/api/v1/participants/GZ09-999"))
            login_page = keep(page.get("/login"))
            match = CSRF.search(login_page.text)
            assert match is not None
            keep(
                page.post(
                    "/login",
                    data={
                        "username": "investigator",
                        "password": trial.password,
                        "csrf_token": match.group(1),
                    },
                )
            )
            tokens += [c.value or "" for c in page.cookies.jar]
            dashboard = keep(page.get("/dashboard"))
            csrf = CSRF.search(dashboard.text)
            assert csrf is not None
            with trial.session() as session:
                entry = session.scalars(
                    select(FormEntry).where(FormEntry.form_code == "vital_signs")
                ).first()
                assert entry is not None
                entry_id = entry.id
            for password in (WRONG, trial.password):  # a refused and a real signature
                keep(
                    page.post(
                        "/review/sign",
                        data={
                            "entry_id": str(entry_id),
                            "password": password,
                            "csrf_token": csrf.group(1),
                        },
                    )
                )
            keep(page.post("/review/sign", data={"entry_id": "1", "password": WRONG}))
            keep(page.get(f"/participants/{pid}/audit"))
            keep(page.post("/logout", data={"csrf_token": csrf.group(1)}))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    # The server's records (psotrial, uvicorn, sqlalchemy, ...); not the test's own client's.
    logs = [
        f"{r.name} {r.levelname} {r.getMessage()}"
        for r in caplog.records
        if not r.name.startswith(("httpx", "httpcore"))
    ]
    return bodies, logs, secret, tokens


def _secrets(trial: Any, secret: str, tokens: list[str] = ()) -> list[str]:  # type: ignore[assignment]
    with trial.session() as session:
        hashes = list(session.scalars(select(User.password_hash)))
    assert all(h.startswith("$argon2id$") for h in hashes)
    return [secret, trial.password, WRONG, "$argon2", *hashes, *(t for t in tokens if t)]


def test_no_secret_in_logs_or_response_bodies(
    sqlite_unless_long: None, trial: Any, flow: Any
) -> None:
    bodies, logs, secret, tokens = flow
    assert any("uvicorn.access" in line for line in logs), "the access log was not captured"
    assert any("/api/v1/auth/token" in line for line in logs)
    # Session tokens are searched in the logs only: the responses that issue them carry them.
    found = [
        f"log: {value[:12]}..."
        for value in _secrets(trial, secret, tokens)
        for text in logs
        if value in text
    ] + [
        f"response: {value[:12]}..."
        for value in _secrets(trial, secret)
        for text in bodies[::2]
        if value in text
    ]
    assert not found, found


def test_no_secret_in_the_audit_trail(sqlite_unless_long: None, trial: Any, flow: Any) -> None:
    _, _, secret, tokens = flow
    with trial.session() as session:
        events = list(session.scalars(select(AuditEvent)))
    actions = {e.action for e in events}
    assert {"login", "login_failed", "sign_refused", "logout"} <= actions, actions
    rows = [" ".join(str(getattr(e, c.key)) for c in AuditEvent.__table__.columns) for e in events]
    found = [
        f"audit {row[:60]}...: {value[:12]}..."
        for value in _secrets(trial, secret, tokens)
        for row in rows
        if value in row
    ]
    assert not found, found


def test_no_secret_or_password_hash_in_any_export(exported_study: Any) -> None:
    study = exported_study
    with study.factory() as session:
        hashes = list(session.scalars(select(User.password_hash)))
    forbidden = [study.secret_key, "$argon2", *hashes, *study.passwords.values()]
    files = [p for p in study.out.rglob("*") if p.is_file()]
    assert len(files) >= 30
    found = [
        f"{path.relative_to(study.out)}: {value[:12]}..."
        for path in files
        for value in forbidden
        if value.encode() in path.read_bytes()
    ]
    assert not found, found
