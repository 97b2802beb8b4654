"""The access matrix: every route x every role x own site / other site x anonymous.

The routes come from the app itself (``app.routes``), so a new route is in the matrix the
day it is added; it must then have a rule in :data:`psotrial.web.policy.POLICY` and a call
here (:data:`CALLS`: a concrete URL and body), or this test fails naming it. Each call's
status is compared with :func:`psotrial.web.policy.expected_status`; a page that refuses
a logged-out caller must send it to ``/login``; an API refusal carries the JSON error code
of its status. Every body a coordinator or investigator of GZ01 receives from a call about
its own site is checked not to name a GZ02 participant, and no body anywhere may hold a
password hash, the secret key or a password (issue 8, "Secrets").

Own site is GZ01, where every role's user works (admin has no site); the other site is GZ02.
Calls that may succeed would change state that later calls rely on, so each role gets its
own query to answer or close and its own adverse-event entry number; a state refusal (409)
or a validation refusal (422) is accepted where declared, as it proves the permission
check passed (the services check permission first).

Short variant (``make test``): SQLite. Long (``PSOTRIAL_RELIABILITY=1``): PostgreSQL too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlalchemy import select
from starlette.routing import Mount

from psotrial.capture.actors import SYSTEM, Actor
from psotrial.capture.enrolment import enrol
from psotrial.capture.entries import save_entry
from psotrial.capture.participants import register_candidate
from psotrial.capture.queries import open_query
from psotrial.capture.review import lock_entry
from psotrial.capture.sites import add_site
from psotrial.capture.users import create_user
from psotrial.capture.visits import record_visit
from psotrial.db.engine import make_engine, make_sessionmaker
from psotrial.db.migrate import upgrade
from psotrial.db.models import FormEntry, Participant
from psotrial.settings import DEMO_SECRET_KEY, Settings
from psotrial.web import create_app
from psotrial.web.policy import POLICY, SITE_ROLES, STAFF_ROLES, expected_status

LONG = os.environ.get("PSOTRIAL_RELIABILITY") == "1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SITES = ("GZ01", "GZ02")
OWN, OTHER = SITES
PASI = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area_pct": 55},
}
AE = {
    "ctcae_term": "Headache",
    "verbatim": "headache",
    "onset_date": "2026-03-03",
    "grade": 1,
    "serious": False,
    "relatedness": "unlikely",
    "action_taken": "none",
    "outcome": "recovered",
    "resolution_date": "2026-03-04",
}
# Never in any response body (nor logs, exports, audit: test_secrets).
FORBIDDEN_IN_BODIES = ("$argon2", DEMO_SECRET_KEY)


# --- The world the calls are made in -----------------------------------------------------


@dataclass
class World:
    """Per site: an enrolled participant, a candidate in screening, entries and queries."""

    password: str
    enrolled: dict[str, str] = field(default_factory=dict)
    candidate: dict[str, str] = field(default_factory=dict)
    entries: dict[tuple[str, str], int] = field(default_factory=dict)  # (site, use) -> id
    queries: dict[tuple[str, str, str, str], int] = field(default_factory=dict)


def _screen_and_enrol(trial: Any, session: Any, site: str, *, enrol_too: bool) -> Participant:
    participant = register_candidate(
        session,
        actor=SYSTEM,
        site=site,
        screening_date=date(2026, 2, 23),
        planned_first_infusion=date(2026, 3, 2),
        now=trial.now,
    )
    record_visit(
        session,
        protocol=trial.protocol,
        actor=SYSTEM,
        participant=participant,
        visit="SCR",
        on=date(2026, 2, 23),
        now=trial.now,
    )
    for form, data in trial.screening_forms().items():
        save_entry(
            session,
            protocol=trial.protocol,
            actor=SYSTEM,
            participant=participant,
            visit="SCR",
            form=form,
            data=data,
            base_version=0,
            now=trial.now,
        )
    if not enrol_too:
        return participant
    return enrol(
        session,
        protocol=trial.protocol,
        actor=SYSTEM,
        participant=participant,
        first_infusion=date(2026, 3, 2),
        now=trial.now,
    )


def arrange(trial: Any) -> World:
    """GZ02 with its own users, and at both sites the records the calls name."""
    world = World(trial.password)
    monitor = Actor("monitor", "monitor")
    with trial.session() as session:
        add_site(
            session,
            actor=SYSTEM,
            code=OTHER,
            name="Second site (synthetic)",
            timezone="Asia/Shanghai",
        )
        create_user(
            session,
            actor=SYSTEM,
            username="admin",
            full_name="admin (synthetic)",
            role="admin",
            password=trial.password,
        )
        for site in SITES:
            participant = _screen_and_enrol(trial, session, site, enrol_too=True)
            world.enrolled[site] = participant.participant_code
            pasi = save_entry(
                session,
                protocol=trial.protocol,
                actor=SYSTEM,
                participant=participant,
                visit="W0",
                form="pasi",
                data=PASI,
                base_version=0,
                now=trial.now,
            ).entry
            screening = list(
                session.scalars(
                    select(FormEntry)
                    .where(FormEntry.participant_id == participant.id)
                    .where(FormEntry.visit_code == "SCR")
                    .order_by(FormEntry.id)
                )
            )
            world.entries[(site, "sign")] = pasi.id
            world.entries[(site, "verify")] = screening[0].id
            world.entries[(site, "lock")] = screening[1].id
            world.entries[(site, "unlock")] = screening[2].id
            lock_entry(session, actor=SYSTEM, entry=screening[2], now=trial.now)
            for surface in ("api", "page"):
                for action in ("answer", "close"):
                    for role in STAFF_ROLES:
                        world.queries[(surface, action, role, site)] = open_query(
                            session,
                            actor=monitor,
                            participant=participant,
                            entry=pasi,
                            item="head.erythema",
                            message=f"{surface} {action} by {role}",
                            now=trial.now,
                        ).id
            candidate = _screen_and_enrol(trial, session, site, enrol_too=False)
            world.candidate[site] = candidate.screening_number
    return world


# --- One concrete call per route ---------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """A concrete request: URL, JSON or form body, and the statuses meaning "allowed"."""

    url: str
    ok: tuple[int, ...] = (200,)
    json: Any = None
    form: dict[str, str] | None = None
    fresh: bool = False  # a client of its own (the call logs in or out)
    costly: bool = False  # seconds to answer: allowed callers only in the long variant


Build = Callable[[World, str | None, str], Call]


def _n(role: str | None) -> int:
    return 0 if role is None else STAFF_ROLES.index(role) + 1


def _query(w: World, surface: str, action: str, role: str | None, site: str) -> int:
    return w.queries[(surface, action, role or "coordinator", site)]


P = "/api/v1/participants"
F = "/participants/{pid}/visits/{visit}/forms/{form}"

CALLS: dict[tuple[str, str], Build] = {
    ("GET", "/api/v1/openapi.json"): lambda w, r, s: Call("/api/v1/openapi.json"),
    ("GET", "/api/docs"): lambda w, r, s: Call("/api/docs"),
    ("GET", "/docs/oauth2-redirect"): lambda w, r, s: Call("/docs/oauth2-redirect"),
    ("GET", "/static"): lambda w, r, s: Call("/static/style.css"),
    ("GET", "/healthz"): lambda w, r, s: Call("/healthz"),
    ("POST", "/api/v1/auth/token"): lambda w, r, s: Call(
        "/api/v1/auth/token", json={"username": "monitor", "password": w.password}
    ),
    ("GET", "/"): lambda w, r, s: Call("/", ok=(303,)),
    ("GET", "/login"): lambda w, r, s: Call("/login", ok=(200,) if r is None else (303,)),
    ("POST", "/login"): lambda w, r, s: Call(
        "/login", ok=(303,), form={"username": "monitor", "password": w.password}, fresh=True
    ),
    ("GET", P): lambda w, r, s: Call(P),
    ("POST", P): lambda w, r, s: Call(
        P, ok=(201,), json={"site": s, "screening_date": "2026-03-01"}
    ),
    ("GET", P + "/{pid}"): lambda w, r, s: Call(f"{P}/{w.enrolled[s]}"),
    ("POST", P + "/{pid}/transitions"): lambda w, r, s: Call(
        f"{P}/{w.enrolled[s]}/transitions", ok=(409,), json={"to": "completed"}
    ),
    ("GET", P + "/{pid}/audit"): lambda w, r, s: Call(f"{P}/{w.enrolled[s]}/audit"),
    ("GET", "/api/v1" + F): lambda w, r, s: Call(f"{P}/{w.enrolled[s]}/visits/W0/forms/pasi"),
    ("PUT", "/api/v1" + F): lambda w, r, s: Call(
        f"{P}/{w.enrolled[s]}/visits/W2/forms/adverse_event?repeat={10 + _n(r)}",
        json={"data": AE, "version": 0},
    ),
    ("GET", "/api/v1/queries"): lambda w, r, s: Call("/api/v1/queries"),
    ("POST", "/api/v1/queries"): lambda w, r, s: Call(
        "/api/v1/queries",
        ok=(201,),
        json={
            "participant": w.enrolled[s],
            "visit": "W0",
            "form": "pasi",
            "item": "head.erythema",
            "message": "please check",
        },
    ),
    ("POST", "/api/v1/queries/{query_id}/answer"): lambda w, r, s: Call(
        f"/api/v1/queries/{_query(w, 'api', 'answer', r, s)}/answer",
        json={"answer": "checked at source"},
    ),
    ("POST", "/api/v1/queries/{query_id}/close"): lambda w, r, s: Call(
        f"/api/v1/queries/{_query(w, 'api', 'close', r, s)}/close", json={"note": "resolved"}
    ),
    ("POST", "/logout"): lambda w, r, s: Call("/logout", ok=(303,), form={}, fresh=True),
    ("POST", "/language"): lambda w, r, s: Call(
        "/language", ok=(303,), form={"language": "en", "next": "/dashboard"}
    ),
    ("GET", "/dashboard"): lambda w, r, s: Call("/dashboard"),
    ("GET", F): lambda w, r, s: Call(f"/participants/{w.enrolled[s]}/visits/W0/forms/pasi"),
    ("POST", F): lambda w, r, s: Call(
        f"/participants/{w.enrolled[s]}/visits/W2/forms/adverse_event?repeat={20 + _n(r)}",
        ok=(303,),
        form={"_version": "0", "_status": "draft", "verbatim": "headache"},
    ),
    ("POST", F + "/score"): lambda w, r, s: Call(
        f"/participants/{w.enrolled[s]}/visits/W0/forms/pasi/score",
        form={"head.erythema": "2"},
    ),
    ("GET", "/ctcae/search"): lambda w, r, s: Call("/ctcae/search?q=head"),
    ("GET", "/screening"): lambda w, r, s: Call("/screening"),
    ("POST", "/screening"): lambda w, r, s: Call(
        "/screening", ok=(303,), form={"site": s, "screening_date": "2026-03-01"}
    ),
    ("GET", "/screening/{pid}"): lambda w, r, s: Call(f"/screening/{w.candidate[s]}"),
    ("GET", "/screening/{pid}/verdicts"): lambda w, r, s: Call(
        f"/screening/{w.candidate[s]}/verdicts"
    ),
    ("POST", "/screening/{pid}/enrol"): lambda w, r, s: Call(
        f"/screening/{w.candidate[s]}/enrol",
        ok=(303,),
        form={"first_infusion": "2026-03-02", "confirm": "yes"},
    ),
    # After the investigator's enrolment the candidate is enrolled: a 409 (state) then.
    ("POST", "/screening/{pid}/screen-fail"): lambda w, r, s: Call(
        f"/screening/{w.candidate[s]}/screen-fail", ok=(303, 409), form={"confirm": "yes"}
    ),
    ("GET", "/participants"): lambda w, r, s: Call("/participants"),
    ("GET", "/visits"): lambda w, r, s: Call("/visits"),
    ("GET", "/participants/{pid}"): lambda w, r, s: Call(f"/participants/{w.enrolled[s]}"),
    ("GET", "/participants/{pid}/audit"): lambda w, r, s: Call(
        f"/participants/{w.enrolled[s]}/audit"
    ),
    ("GET", "/queries"): lambda w, r, s: Call("/queries"),
    ("POST", "/queries"): lambda w, r, s: Call(
        "/queries",
        ok=(303,),
        form={
            "pid": w.enrolled[s],
            "visit": "W0",
            "form": "pasi",
            "item": "head.erythema",
            "text": "please check",
        },
    ),
    ("POST", "/queries/{query_id}/answer"): lambda w, r, s: Call(
        f"/queries/{_query(w, 'page', 'answer', r, s)}/answer",
        ok=(303,),
        form={"answer": "checked at source"},
    ),
    ("POST", "/queries/{query_id}/close"): lambda w, r, s: Call(
        f"/queries/{_query(w, 'page', 'close', r, s)}/close", ok=(303,), form={"note": "done"}
    ),
    ("GET", "/adverse-events"): lambda w, r, s: Call("/adverse-events"),
    ("GET", "/signatures"): lambda w, r, s: Call(f"/signatures?pid={w.enrolled[s]}"),
    ("POST", "/review/sign"): lambda w, r, s: Call(
        "/review/sign",
        ok=(303,),
        form={"entry_id": str(w.entries[(s, "sign")]), "password": w.password},
    ),
    # The casebook is not complete (W2 onwards are due): a 409 for the investigator.
    ("POST", "/review/sign-casebook"): lambda w, r, s: Call(
        "/review/sign-casebook",
        ok=(303, 409),
        form={"pid": w.enrolled[s], "password": w.password},
    ),
    ("POST", "/review/verify"): lambda w, r, s: Call(
        "/review/verify", ok=(303,), form={"entry_id": str(w.entries[(s, "verify")])}
    ),
    ("POST", "/review/lock"): lambda w, r, s: Call(
        "/review/lock", ok=(303,), form={"entry_id": str(w.entries[(s, "lock")])}
    ),
    ("POST", "/review/unlock"): lambda w, r, s: Call(
        "/review/unlock",
        ok=(303,),
        form={"entry_id": str(w.entries[(s, "unlock")]), "reason": "correction needed"},
    ),
    # Building the report takes seconds (the PDF more): refusals always, reading when long.
    ("GET", "/report"): lambda w, r, s: Call("/report", costly=True),
    ("GET", "/report.pdf"): lambda w, r, s: Call("/report.pdf", costly=True),
    ("GET", "/report.html"): lambda w, r, s: Call("/report.html", costly=True),
    ("GET", "/report/report.css"): lambda w, r, s: Call("/report/report.css"),
}


def app_routes(app: Any) -> list[tuple[str, str]]:
    """Every (method, path template) the app answers; HEAD goes with GET, a mount is a GET."""
    found = []
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, Mount):
            found.append(("GET", str(route.path)))
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD" or "GET" not in (route.methods or ()):
                found.append((method, str(route.path)))
    return found


# --- Clients -----------------------------------------------------------------------------


@dataclass
class Clients:
    """The server's URL and a logged-in page client and API client per role."""

    url: str
    password: str
    opened: list[httpx.Client] = field(default_factory=list)
    pages: dict[str | None, httpx.Client] = field(default_factory=dict)
    apis: dict[str | None, httpx.Client] = field(default_factory=dict)
    csrf: dict[str | None, str] = field(default_factory=dict)

    def anonymous(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)
        self.opened.append(client)
        return client

    def browser(self, username: str) -> tuple[httpx.Client, str]:
        client = self.anonymous()
        token = CSRF.search(client.get("/login").text)
        assert token is not None
        form = {"username": username, "password": self.password, "csrf_token": token.group(1)}
        assert client.post("/login", data=form).status_code == 303
        page = CSRF.search(client.get("/dashboard").text)
        assert page is not None
        return client, page.group(1)

    def api(self, username: str) -> httpx.Client:
        client = self.anonymous()
        response = client.post(
            "/api/v1/auth/token", json={"username": username, "password": self.password}
        )
        assert response.status_code == 200, response.text
        client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        return client

    def log_in_everyone(self) -> None:
        self.pages[None] = self.apis[None] = self.anonymous()
        self.csrf[None] = ""
        for role in STAFF_ROLES:
            self.pages[role], self.csrf[role] = self.browser(role)
            self.apis[role] = self.api(role)

    def send(self, method: str, api: bool, role: str | None, call: Call) -> httpx.Response:
        client = self.apis[role] if api else self.pages[role]
        csrf = self.csrf[role]
        if call.fresh:
            if role is None:
                client, csrf = self.anonymous(), ""
            else:
                client, csrf = self.browser(role)
        if call.form is None:
            return client.request(method, call.url, json=call.json)
        form = dict(call.form)
        if call.url == "/login":  # the login form's own double-submit token
            client.get("/login")
            form["csrf_token"] = next(
                c.value or "" for c in client.cookies.jar if c.name == "psotrial_csrf"
            )
        else:
            form["csrf_token"] = csrf
        return client.request(method, call.url, data=form)

    def close(self) -> None:
        for client in self.opened:
            client.close()


@pytest.fixture
def matrix_server(
    sqlite_unless_long: None, trial: Any, kit: Any
) -> Iterator[tuple[Any, Clients, World]]:
    world = arrange(trial)
    app = create_app(trial.db.settings, factory=trial.db.factory)
    with kit.served_in_thread(app) as url:
        clients = Clients(url, trial.password)
        clients.log_in_everyone()
        try:
            yield app, clients, world
        finally:
            clients.close()


# --- The matrix --------------------------------------------------------------------------


ERROR_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 409: "invalid_state"}


ALLOWED = -1  # expected_status's answer when the caller may: any of the call's outcomes


def _excerpt(response: httpx.Response) -> str:
    text = response.text
    if "<main" in text:  # an HTML page: the words of its content, without the tags
        text = re.sub(r"<[^>]+>", " ", text[text.index("<main") :])
    return " ".join(text.split())[:240]


def _check(
    method: str,
    path: str,
    role: str | None,
    site: str,
    call: Call,
    response: httpx.Response,
    expected: int,
) -> list[str]:
    who = f"{method} {call.url} as {role or 'anonymous'} ({'own' if site == OWN else 'other'} site)"
    api = path.startswith("/api/")
    problems = []
    status = response.status_code
    if expected == ALLOWED:
        if status not in call.ok:
            problems.append(f"{who}: {status}, expected one of {call.ok}: {_excerpt(response)}")
    elif status != expected:
        problems.append(f"{who}: {status}, expected {expected}: {_excerpt(response)}")
    elif role is None and not api:
        if not response.headers.get("location", "").startswith("/login"):
            problems.append(f"{who}: 303 to {response.headers.get('location')}, not /login")
    elif api and expected in ERROR_CODES:
        code = response.json().get("error", {}).get("code")
        if code != ERROR_CODES[expected]:
            problems.append(f"{who}: error code {code!r}, expected {ERROR_CODES[expected]!r}")
    body = response.text
    for secret in FORBIDDEN_IN_BODIES:
        if secret in body:
            problems.append(f"{who}: the body holds {secret[:8]}...")
    if role in SITE_ROLES and site == OWN and status < 300 and f"{OTHER}-" in body:
        where = body.index(f"{OTHER}-")
        problems.append(f"{who}: names a {OTHER} record: ...{body[where - 60 : where + 20]}...")
    return problems


def route_problems(app: Any) -> list[str]:
    """Routes without a rule or a call, rules for routes that are gone, and routes that name
    a participant or a query in their path without a ``site`` rule (its other-site call)."""
    routes = app_routes(app)
    unscoped = [
        (m, p)
        for m, p in routes
        if ("{pid}" in p or "{query_id}" in p)
        and (m, p) in POLICY
        and POLICY[(m, p)].scope != "site"
    ]
    return [
        *(f"route naming a site's record without a site rule: {m} {p}" for m, p in unscoped),
        *(f"route without a policy rule: {m} {p}" for m, p in routes if (m, p) not in POLICY),
        *(f"route without a call in CALLS: {m} {p}" for m, p in routes if (m, p) not in CALLS),
        *(
            f"policy rule for a route the app lacks: {m} {p}"
            for m, p in POLICY
            if (m, p) not in routes
        ),
    ]


def run_matrix(app: Any, clients: Clients, world: World) -> tuple[int, list[str]]:
    """Call every route as everyone; the number of calls and the differences found."""
    problems = route_problems(app)
    calls = 0
    for method, path in app_routes(app):
        if (method, path) not in POLICY or (method, path) not in CALLS:
            continue
        rule = POLICY[(method, path)]
        api = path.startswith("/api/") or path == "/healthz"
        for role in (*STAFF_ROLES, None):
            # Roles that see every site see GZ02 as they see GZ01: the long variant only.
            both = rule.scope == "site" and (role in SITE_ROLES or (LONG and role is not None))
            sites = SITES if both else (OWN,)
            for site in sites:
                call = CALLS[(method, path)](world, role, site)
                expected = expected_status(
                    rule, role=role, other_site=site != OWN, api=api, allowed=ALLOWED
                )
                if call.costly and expected == ALLOWED and not LONG:
                    continue
                response = clients.send(method, api, role, call)
                calls += 1
                problems += _check(method, path, role, site, call, response, expected)
    return calls, problems


def test_every_route_role_and_site_matches_the_policy(
    matrix_server: tuple[Any, Clients, World], kit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app, clients, world = matrix_server
    calls, problems = run_matrix(app, clients, world)
    assert not problems, f"{len(problems)} differences from the policy:\n" + "\n".join(problems)
    if LONG:
        kit.report(capsys, f"access matrix: {len(POLICY)} routes, {calls} calls, 0 differences")


def test_matrix_catches_a_route_without_a_rule(tmp_path: Path) -> None:
    """A route added without a policy rule is reported (the matrix test would fail)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'routes.db'}")
    engine = make_engine(settings)
    upgrade(engine)
    app = create_app(settings, factory=make_sessionmaker(engine))
    assert route_problems(app) == []

    @app.get("/unruled")
    def unruled() -> dict[str, str]:
        return {"open": "to everyone"}

    assert route_problems(app) == [
        "route without a policy rule: GET /unruled",
        "route without a call in CALLS: GET /unruled",
    ]
    engine.dispose()
