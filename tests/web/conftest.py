"""A real psotrial server on loopback for the web tests, on SQLite and on PostgreSQL.

``server`` starts uvicorn in a thread on a free port, over the ``trial`` database (study,
a user per role at GZ01), plus a second site GZ02 with its own coordinator
(``coordinator2``) and an admin login, so every test can try the other site too.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from psotrial.capture.actors import SYSTEM
from psotrial.capture.sites import add_site
from psotrial.capture.users import actor_for, create_user
from psotrial.db.engine import transaction
from psotrial.web import create_app

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Server:
    """A running server, and ways to talk to it as each user."""

    url: str
    trial: Any
    app: Any
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self) -> httpx.Client:
        """An anonymous HTTP client (no redirects followed)."""
        client = httpx.Client(base_url=self.url, timeout=30, follow_redirects=False)
        self.clients.append(client)
        return client

    def token(self, username: str, password: str | None = None) -> str:
        """A bearer token for ``username``."""
        response = self.client().post(
            "/api/v1/auth/token",
            json={"username": username, "password": password or self.trial.password},
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def api(self, username: str) -> httpx.Client:
        """A client that sends ``username``'s bearer token."""
        client = self.client()
        client.headers["Authorization"] = f"Bearer {self.token(username)}"
        return client

    def browser(self, username: str, password: str | None = None) -> httpx.Client:
        """A client logged in through the login form, with ``client.csrf`` set."""
        client = self.client()
        page = client.get("/login")
        match = CSRF.search(page.text)
        assert match, page.text
        response = client.post(
            "/login",
            data={
                "username": username,
                "password": password or self.trial.password,
                "csrf_token": match.group(1),
                "next": "/dashboard",
            },
        )
        assert response.status_code == 303, response.text
        dashboard = client.get("/dashboard")
        token = CSRF.search(dashboard.text)
        client.csrf = token.group(1) if token else ""  # type: ignore[attr-defined]
        return client


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
def server(trial: Any) -> Iterator[Server]:
    with transaction(trial.db.factory) as session:
        add_site(
            session,
            actor=SYSTEM,
            code="GZ02",
            name="Second site (synthetic)",
            timezone="Asia/Shanghai",
        )
        other = create_user(
            session,
            actor=SYSTEM,
            username="coordinator2",
            full_name="coordinator2 (synthetic)",
            role="coordinator",
            password=trial.password,
            sites=["GZ02"],
        )
        trial.actors["coordinator2"] = actor_for(other)
        create_user(
            session,
            actor=SYSTEM,
            username="admin",
            full_name="admin (synthetic)",
            role="admin",
            password=trial.password,
        )
    app = create_app(trial.db.settings, factory=trial.db.factory)
    sock = _free_socket()
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    uvicorn_server = uvicorn.Server(config)
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    host, port = sock.getsockname()
    running = Server(f"http://{host}:{port}", trial, app)
    try:
        yield running
    finally:
        for client in running.clients:
            client.close()
        uvicorn_server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# --- A real browser: Debian's Chromium driven by Playwright (never a downloaded browser).

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        message = (
            "browser tests skipped: Debian's chromium is not installed (apt-get install chromium)"
        )
        if os.environ.get("PSOTRIAL_REQUIRE_BROWSER"):
            pytest.fail(message.replace("skipped", "required"))
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser tab at tablet width (768 px) with an English UI."""
    context = chromium.new_context(viewport={"width": 768, "height": 1024}, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def log_in(page: Any, server: Server) -> Any:
    """``log_in(username)``: log in through the login page in the browser tab."""

    def run(username: str) -> None:
        page.goto(f"{server.url}/login")
        page.fill("#username", username)
        page.fill("#password", server.trial.password)
        page.click("button[type=submit]")
        page.wait_for_url("**/dashboard")

    return run


# --- The demo study (``psotrial demo``) served for the screenshots: built once per module.

DEMO_NOW = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)  # the demo's data cut, 10:00 in Guangzhou


@dataclass
class DemoServer:
    """A running server over a fresh demo database, and its logins."""

    url: str
    factory: Any
    passwords: dict[str, str]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    from psotrial.capture.demo import build_demo
    from psotrial.db.engine import make_engine, make_sessionmaker
    from psotrial.db.migrate import upgrade
    from psotrial.protocol import load_protocol
    from psotrial.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    engine = make_engine(settings)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    # A fixed "now" (the demo's cut-off) keeps the screenshots the same from run to run.
    summary = build_demo(
        factory, protocol=load_protocol("nct03745417"), protocol_name="nct03745417", now=DEMO_NOW
    )
    app = create_app(settings, factory=factory, clock=lambda: DEMO_NOW)
    sock = _free_socket()
    uvicorn_server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=uvicorn_server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uvicorn_server.started:
        assert time.monotonic() < deadline, "the demo server did not start"
        time.sleep(0.01)
    host, port = sock.getsockname()
    try:
        yield DemoServer(
            f"http://{host}:{port}", factory, {u.username: u.password for u in summary.users}
        )
    finally:
        uvicorn_server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        engine.dispose()
