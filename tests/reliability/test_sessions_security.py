"""Sessions and accounts through HTTP: fixation, idle and absolute expiry, cookie flags, CSRF
on every page POST, lockout, the password policy, and no user enumeration.

Already covered elsewhere (not repeated here): a logged-out cookie replayed fails and the
session cookie is HttpOnly (tests/web/test_auth_web.py::test_login_sets_strict_httponly_
cookie_and_logout_revokes_it), the login form's double-submit cookie
(::test_login_form_without_its_csrf_cookie_is_refused), open redirects after login
(::test_open_redirect_after_login_is_refused), lockout through the API
(::test_account_locks_after_five_failures).

One server per module over one SQLite database, with a clock the tests move (absolute
expiry and lockout are decided on the app's clock; idle expiry on the cookie signature's
age, which the tests forge). Argon2 runs at its lowest cost in the tests (tests/conftest.py);
the timing test's long variant (``PSOTRIAL_RELIABILITY=1``) uses the production cost.
"""

from __future__ import annotations

import hashlib
import os
import re
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi.routing import iter_route_contexts
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select, update

import psotrial.capture.users as users
from psotrial.capture.actors import SYSTEM
from psotrial.capture.study import ensure_study
from psotrial.capture.users import check_password_policy, create_user, load_common_passwords
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.db.migrate import upgrade
from psotrial.db.models import AuditEvent, User
from psotrial.errors import FieldError
from psotrial.protocol import load_protocol
from psotrial.settings import Settings
from psotrial.web import auth, create_app
from psotrial.web.security import CSRF_COOKIE, SESSION_COOKIE

LONG = os.environ.get("PSOTRIAL_RELIABILITY") == "1"
PASSWORD = "synthetic-pass-123"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
IDLE_MINUTES, SESSION_HOURS = 30, 12
USERNAMES = ("coordinator", "monitor", "locked", "inactive", "timing", "expiry", "flags")


@dataclass
class Clock:
    """The app's clock; tests move it and the fixture puts it back."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Site:
    """A running app, its clock and state, and the clients opened on it."""

    url: str
    app: Any
    clock: Clock
    factory: Any
    opened: list[httpx.Client] = field(default_factory=list)

    @property
    def state(self) -> Any:
        return self.app.state.psotrial

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)
        self.opened.append(client)
        return client

    def login_form(self, client: httpx.Client, username: str, password: str) -> httpx.Response:
        token = CSRF.search(client.get("/login").text)
        csrf = token.group(1) if token else ""
        form = {"username": username, "password": password, "csrf_token": csrf}
        return client.post("/login", data=form)

    def browser(self, username: str) -> httpx.Client:
        client = self.client()
        assert self.login_form(client, username, PASSWORD).status_code == 303
        return client


def _cookie(client: httpx.Client, name: str = SESSION_COOKIE) -> str:
    return next(c.value or "" for c in client.cookies.jar if c.name == name)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, kit: Any) -> Iterator[Site]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('sessions') / 'trial.db'}",
        session_idle_minutes=IDLE_MINUTES,
        session_hours=SESSION_HOURS,
    )
    engine = make_engine(settings)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with transaction(factory) as session:
        ensure_study(
            session,
            actor=SYSTEM,
            protocol=load_protocol("nct03745417"),
            protocol_name="nct03745417",
            synthetic=True,
            now=START,
        )
        for name in USERNAMES:
            role = "monitor" if name == "monitor" else "coordinator"
            create_user(
                session,
                actor=SYSTEM,
                username=name,
                full_name=f"{name} (synthetic)",
                role=role,
                password=PASSWORD,
                sites=["GZ01"],
                now=START,
            )
        session.execute(update(User).where(User.username == "inactive").values(active=False))
    clock = Clock()
    app = create_app(settings, factory=factory, clock=clock)
    with kit.served_in_thread(app) as url:
        running = Site(url, app, clock, factory)
        try:
            yield running
        finally:
            for client in running.opened:
                client.close()
    engine.dispose()


@pytest.fixture
def web(site: Site) -> Iterator[Site]:
    site.clock.now = START
    yield site
    site.clock.now = START


# --- Session fixation ----------------------------------------------------------------------


def test_login_issues_a_new_session_id_and_never_adopts_a_planted_one(web: Site) -> None:
    attacker = web.browser("monitor")
    planted = _cookie(attacker)
    victim = web.client()
    form = CSRF.search(victim.get("/login").text)  # the login page is open...
    assert form is not None
    victim.cookies.set(SESSION_COOKIE, planted)  # ...when the attacker's cookie is planted
    login = victim.post(
        "/login",
        data={"username": "coordinator", "password": PASSWORD, "csrf_token": form.group(1)},
    )
    assert login.status_code == 303
    after = _set_cookie_value(login, SESSION_COOKIE)
    victim.cookies.clear()
    victim.cookies.set(SESSION_COOKIE, after)
    assert after != planted
    assert "coordinator (synthetic)" in victim.get("/dashboard").text
    # The planted session is still the attacker's own, not upgraded to the victim's login.
    replay = web.client()
    replay.cookies.set(SESSION_COOKIE, planted)
    assert "monitor (synthetic)" in replay.get("/dashboard").text

    chosen = web.client()
    chosen.cookies.set(SESSION_COOKIE, "attacker-chosen-value")
    login = web.login_form(chosen, "coordinator", PASSWORD)
    assert login.status_code == 303
    assert _set_cookie_value(login, SESSION_COOKIE) not in ("attacker-chosen-value", after)


# --- Expiry ----------------------------------------------------------------------------------


def _signed_minutes_ago(state: Any, token: str, minutes: int) -> str:
    """The session cookie for ``token`` as if it had been signed ``minutes`` ago."""

    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - minutes * 60

    serializer = URLSafeTimedSerializer(state.settings.secret_key, signer=Past)
    return serializer.dumps(token, salt=auth._COOKIE_SALT)


def test_cookie_idle_longer_than_the_idle_limit_leads_to_the_login_page(web: Site) -> None:
    client = web.browser("expiry")
    token = web.state.signer.loads(_cookie(client), salt=auth._COOKIE_SALT)
    for minutes, status in ((IDLE_MINUTES - 1, 200), (IDLE_MINUTES + 1, 303)):
        probe = web.client()
        probe.cookies.set(SESSION_COOKIE, _signed_minutes_ago(web.state, token, minutes))
        response = probe.get("/dashboard")
        assert response.status_code == status, minutes
        if status == 303:
            assert response.headers["location"] == "/login?next=/dashboard"
        else:  # a live session's cookie is signed afresh: the idle time starts again
            assert f"Max-Age={IDLE_MINUTES * 60}" in response.headers["set-cookie"]
            fresh = _set_cookie_value(response, SESSION_COOKIE)
            assert web.state.signer.loads(fresh, salt=auth._COOKIE_SALT, max_age=60) == token


def test_session_ends_after_session_hours_however_active(web: Site) -> None:
    client = web.browser("expiry")
    api = web.client()
    token = api.post("/api/v1/auth/token", json={"username": "expiry", "password": PASSWORD})
    api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    # Active all along: a request every 20 minutes keeps the cookie fresh.
    for minutes in range(20, SESSION_HOURS * 60, 20):
        web.clock.now = START + timedelta(minutes=minutes)
        assert client.get("/dashboard").status_code == 200, minutes
    web.clock.now = START + timedelta(hours=SESSION_HOURS, minutes=-1)
    assert client.get("/dashboard").status_code == 200
    assert api.get("/api/v1/participants").status_code == 200
    web.clock.now = START + timedelta(hours=SESSION_HOURS, minutes=1)
    assert client.get("/dashboard").status_code == 303
    expired = api.get("/api/v1/participants")
    assert expired.status_code == 401
    assert expired.json()["error"]["code"] == "not_authenticated"


def test_deactivating_a_user_ends_their_cookie_and_bearer_at_once(web: Site) -> None:
    with transaction(web.factory) as session:
        session.execute(update(User).where(User.username == "flags").values(active=True))
    client = web.browser("flags")
    api = web.client()
    token = api.post("/api/v1/auth/token", json={"username": "flags", "password": PASSWORD})
    api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    assert client.get("/dashboard").status_code == 200
    with transaction(web.factory) as session:
        session.execute(update(User).where(User.username == "flags").values(active=False))
    try:
        assert client.get("/dashboard").status_code == 303
        assert api.get("/api/v1/participants").status_code == 401
    finally:
        with transaction(web.factory) as session:
            session.execute(update(User).where(User.username == "flags").values(active=True))


# --- Cookie flags ----------------------------------------------------------------------------


def _set_cookies(response: httpx.Response) -> list[str]:
    return response.headers.get_list("set-cookie")


def _set_cookie_value(response: httpx.Response, name: str) -> str:
    for header in _set_cookies(response):
        if header.startswith(f"{name}="):
            return header.split(";", 1)[0].split("=", 1)[1]
    raise AssertionError(f"no {name} cookie set: {_set_cookies(response)}")


@pytest.mark.parametrize("secure", [False, True])
def test_every_cookie_is_httponly_strict_and_secure_when_configured(
    site: Site, kit: Any, secure: bool
) -> None:
    settings = site.state.settings.model_copy(update={"secure_cookies": secure})
    app = create_app(settings, factory=site.factory, clock=site.clock)
    with kit.served_in_thread(app) as url, httpx.Client(base_url=url) as client:
        page = client.get("/login")
        token = CSRF.search(page.text)
        assert token is not None
        # httpx keeps Secure cookies of an http:// server out of its jar: carry them by hand.
        client.cookies.clear()
        client.cookies.set(CSRF_COOKIE, _set_cookie_value(page, CSRF_COOKIE))
        login = client.post(
            "/login",
            data={"username": "coordinator", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert login.status_code == 303
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, _set_cookie_value(login, SESSION_COOKIE))
        dashboard = client.get("/dashboard")
        csrf = CSRF.search(dashboard.text)
        assert csrf is not None
        logout = client.post("/logout", data={"csrf_token": csrf.group(1)})
        assert logout.status_code == 303
    seen = {}
    for response in (page, login, dashboard, logout):
        for header in _set_cookies(response):
            name = header.split("=", 1)[0]
            attributes = {part.strip().lower() for part in header.split(";")[1:]}
            seen[name] = attributes
            assert "httponly" in attributes, header
            assert "samesite=strict" in attributes, header
            assert ("secure" in attributes) is secure, header
            path = "path=/login" if name == CSRF_COOKIE else "path=/"
            assert path in attributes, header
    assert set(seen) == {SESSION_COOKIE, CSRF_COOKIE}


# --- CSRF on every page POST route ---------------------------------------------------------


def _page_posts(app: Any) -> list[str]:
    """Every state-changing page route (the JSON API takes bearer tokens, not cookies)."""
    paths = []
    for route in iter_route_contexts(app.routes):
        methods = route.methods or set()
        path = str(route.path)
        # /login: before login, a double-submit cookie guards it (test_auth_web).
        changes = methods & {"POST", "PUT", "PATCH", "DELETE"}
        if changes and not path.startswith("/api/") and path != "/login":
            paths.append(path)
    return paths


def test_every_page_post_refuses_a_missing_or_foreign_csrf_token(web: Site) -> None:
    paths = _page_posts(web.app)
    assert len(paths) >= 15, paths  # the enumeration found the page routes
    client = web.browser("coordinator")
    other = web.browser("monitor")
    foreign = CSRF.search(other.get("/dashboard").text)
    assert foreign is not None
    with web.factory() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    refused = []
    for template in paths:
        url = re.sub(r"\{query_id\}", "1", re.sub(r"\{(\w+)\}", "X", template))
        url = url.replace(
            "/participants/X/visits/X/forms/X", "/participants/GZ01-001/visits/W0/forms/pasi"
        )
        for data, headers in (
            ({}, {}),
            ({"csrf_token": ""}, {}),
            ({"csrf_token": foreign.group(1)}, {}),
            ({}, {"X-CSRF-Token": foreign.group(1)}),
        ):
            response = client.post(url, data=data | {"confirm": "yes"}, headers=headers)
            if response.status_code != 403:
                refused.append(f"{template} {data or headers}: {response.status_code}")
    assert not refused, refused
    with web.factory() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events
    assert client.get("/dashboard").status_code == 200  # still logged in: nothing happened


# --- Lockout ----------------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_15_minutes_alike_to_a_wrong_password(
    web: Site,
) -> None:
    client = web.client()
    wrong = [web.login_form(client, "locked", "wrong-password-1") for _ in range(5)]
    assert {r.status_code for r in wrong} == {401}
    locked = web.login_form(client, "locked", PASSWORD)
    assert locked.status_code == 401
    message = "Invalid username or password."
    assert message in locked.text
    assert message in wrong[0].text
    web.clock.now = START + timedelta(minutes=14)
    assert web.login_form(web.client(), "locked", PASSWORD).status_code == 401
    web.clock.now = START + timedelta(minutes=14 + 15, seconds=1)  # 15 min after the last try
    assert web.login_form(web.client(), "locked", PASSWORD).status_code == 303
    with web.factory() as session:
        actions = [
            e.action
            for e in session.scalars(
                select(AuditEvent).where(AuditEvent.actor == "locked").order_by(AuditEvent.id)
            )
        ]
    assert actions == ["login_failed"] * 5 + ["login_locked"] * 2 + ["login"]


# --- Password policy ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "refusal"),
    [
        ("ann.lee", "short-pw1", "must be at least 10 characters"),
        ("ann.lee", "password123", "10,000 most common"),
        ("ann.lee", "QWERTYUIOP", "10,000 most common"),  # compared in lower case
        ("ann.lee", "1q2w3e4r5t", "10,000 most common"),
        ("coordinator1", "coordinator1", "must not be or contain the username"),
        ("coordinator1", "my-Coordinator1-pass", "must not be or contain the username"),
        ("ann.lee", "tulip-harbour-93", None),
        ("ab", "ab-tulip-harbour", None),  # a 2-letter username is not looked for
    ],
)
def test_password_policy(username: str, password: str, refusal: str | None) -> None:
    if refusal is None:
        check_password_policy(password, username=username)
        return
    with pytest.raises(FieldError, match=refusal) as raised:
        check_password_policy(password, username=username)
    assert raised.value.field == "password"


def test_create_user_refuses_a_common_password(web: Site) -> None:
    with pytest.raises(FieldError, match="10,000 most common"), transaction(web.factory) as session:
        create_user(
            session,
            actor=SYSTEM,
            username="newcomer",
            full_name="newcomer (synthetic)",
            role="monitor",
            password="Password123",
        )


def test_common_password_list_is_the_documented_one() -> None:
    path = resources.files("psotrial") / "data" / "common-passwords.txt"
    raw = path.read_bytes()
    lines = raw.decode("utf-8").splitlines()
    assert len(lines) == len(set(lines)) == 10_000
    assert lines[:3] == ["123456", "password", "12345678"]
    assert all(line == line.strip().lower() and line for line in lines)
    assert load_common_passwords() == frozenset(lines)
    readme = (Path(str(path)).parent / "README.md").read_text("utf-8")
    assert hashlib.sha256(raw).hexdigest() in readme


# --- No user enumeration --------------------------------------------------------------------------


def _token_attempt(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_login_refusals_say_the_same_for_unknown_wrong_locked_and_inactive(web: Site) -> None:
    client = web.client()
    for _ in range(5):
        _token_attempt(client, "locked", "wrong-password-2")
    cases = {
        "unknown user": ("nobody-here", PASSWORD),
        "wrong password": ("coordinator", "wrong-password-3"),
        "locked": ("locked", PASSWORD),
        "inactive": ("inactive", PASSWORD),
    }
    api = {name: _token_attempt(client, *pair) for name, pair in cases.items()}
    assert {r.status_code for r in api.values()} == {401}
    assert len({r.text for r in api.values()}) == 1, {n: r.text for n, r in api.items()}
    pages = {name: web.login_form(web.client(), *pair) for name, pair in cases.items()}
    assert {r.status_code for r in pages.values()} == {401}
    # The pages differ only by the username echoed back into the form.
    shown = {
        name: r.text.replace(f'value="{cases[name][0]}"', 'value=""') for name, r in pages.items()
    }
    shown = {name: CSRF.sub("", text) for name, text in shown.items()}
    assert len(set(shown.values())) == 1


def _median_seconds(client: httpx.Client, username: str, password: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        assert _token_attempt(client, username, password).status_code == 401
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def test_unknown_user_and_wrong_password_take_alike(
    web: Site, monkeypatch: pytest.MonkeyPatch, kit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Median time of 20 refusals each, interleaved: within a factor of 2 of each other.

    Both paths verify an argon2 hash (a dummy one for an unknown user, made by the hasher in
    use). The short variant runs at the tests' low argon2 cost, so it measures the request
    path around it; the long one restores the production cost.
    """
    if LONG:
        monkeypatch.setattr(users, "_HASHER", PasswordHasher())
        with transaction(web.factory) as session:
            session.execute(
                update(User)
                .where(User.username == "timing")
                .values(password_hash=users._HASHER.hash(PASSWORD))
            )
    runs = 20
    client = web.client()
    unknown, wrong = [], []
    for _ in range(runs):
        unknown.append(_median_seconds(client, "nobody-at-all", "wrong-password-4", 1))
        wrong.append(_median_seconds(client, "timing", "wrong-password-4", 1))
    ratio = statistics.median(unknown) / statistics.median(wrong)
    assert 0.5 <= ratio <= 2.0, (statistics.median(unknown), statistics.median(wrong))
    if LONG:
        kit.report(
            capsys,
            f"login timing: {runs} unknown-user and {runs} wrong-password refusals, medians "
            f"{statistics.median(unknown) * 1000:.1f} ms and "
            f"{statistics.median(wrong) * 1000:.1f} ms (ratio {ratio:.2f})",
        )
