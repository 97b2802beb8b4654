"""schemathesis against the OpenAPI document: every operation, as every role and anonymous.

Property: no generated request (valid or not: wrong types, missing and extra keys, odd
unicode, huge numbers) gets a 5xx; every answer is one the schema documents for the
operation, with the declared content type and body shape; every refusal is the JSON error
``{"error": {"code", "message", ...}}``.

The app runs in process over the ``trial`` database (SQLite and PostgreSQL), seeded with an
enrolled participant at GZ01 and one at GZ02 and an open query, so that some requests reach
real records (a generated path parameter alone would almost never name one).

Short variant in ``make test`` (~100 requests a backend); the long one (>= 2,000 requests)
with ``PSOTRIAL_RELIABILITY=1``.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from psotrial.capture.actors import SYSTEM
from psotrial.capture.participants import register_candidate
from psotrial.capture.queries import open_query
from psotrial.capture.sites import add_site
from psotrial.capture.users import create_user
from psotrial.web import create_app

LONG = os.environ.get("PSOTRIAL_RELIABILITY") == "1"
# Requests per backend: the long variant must reach 2,000 in all.
REQUESTS = 2400 if LONG else 100
ROLES = (
    "coordinator",
    "investigator",
    "monitor",
    "data_manager",
    "statistician",
    "admin",
    "coordinator2",
    None,  # anonymous
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _seed(trial: Any) -> dict[str, list[str]]:
    """Two sites with a participant each, users for every role, an open query."""
    with trial.session() as session:
        add_site(
            session,
            actor=SYSTEM,
            code="GZ02",
            name="Second site (synthetic)",
            timezone="Asia/Shanghai",
        )
        create_user(
            session,
            actor=SYSTEM,
            username="coordinator2",
            full_name="coordinator2 (synthetic)",
            role="coordinator",
            password=trial.password,
            sites=["GZ02"],
        )
        create_user(
            session,
            actor=SYSTEM,
            username="admin",
            full_name="admin (synthetic)",
            role="admin",
            password=trial.password,
        )
        enrolled = trial.enrolled(session)
        other = register_candidate(
            session,
            actor=SYSTEM,
            site="GZ02",
            screening_date=date(2026, 2, 24),
            planned_first_infusion=date(2026, 3, 3),
            now=trial.now,
        )
        query = open_query(
            session,
            actor=trial.actors["monitor"],
            participant=enrolled,
            message="Please confirm the screening date (synthetic).",
            now=trial.now,
        )
        return {
            "pid": [
                str(enrolled.participant_code),
                enrolled.screening_number,
                other.screening_number,
            ],
            "query_id": [str(query.id)],
            "visit": ["SCR", "W0", "W12"],
            "form": ["pasi", "adverse_event", "vital_signs"],
        }


def test_api_fuzzed_as_every_role_documented_answers_only(
    trial: Any, kit: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    real = _seed(trial)
    app = create_app(trial.db.settings, factory=trial.db.factory)
    with kit.served_in_thread(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        _fuzz(trial, real, url, client, capsys)


def _fuzz(
    trial: Any,
    real: dict[str, list[str]],
    url: str,
    client: httpx.Client,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tokens: dict[str | None, dict[str, str]] = {None: {}}
    for role in ROLES[:-1]:
        answer = client.post(
            "/api/v1/auth/token", json={"username": role, "password": trial.password}
        )
        assert answer.status_code == 200, answer.text
        tokens[role] = {"Authorization": f"Bearer {answer.json()['access_token']}"}

    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13, [op.label for op in operations]
    statuses: Counter[int] = Counter()
    per_operation = max(REQUESTS // len(operations), 6)

    for operation in operations:
        strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
        if operation.path_parameters or operation.query or operation.body:
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
        path_names = [p.name for p in operation.path_parameters]

        @settings(
            max_examples=per_operation,
            deadline=None,
            database=None,
            derandomize=not LONG,
            suppress_health_check=list(HealthCheck),
        )
        @given(
            case=st.one_of(strategies),
            role=st.sampled_from(ROLES),
            real_path=st.booleans(),
            data=st.data(),
        )
        def run(
            case: Any,
            role: str | None,
            real_path: bool,
            data: Any,
        ) -> None:
            if real_path:
                # Aim at seeded records half the time, so handlers get past "not found".
                for name in names:  # noqa: B023 (run() is called in this iteration)
                    if name in real:
                        case.path_parameters[name] = data.draw(st.sampled_from(real[name]))
            response = case.call(base_url=url, headers=tokens[role])
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)
            if response.status_code >= 400:
                error = response.json()["error"]
                assert isinstance(error["code"], str), response.text
                assert isinstance(error["message"], str), response.text
                assert error["code"], response.text
                assert error["message"], response.text

        names = path_names
        run()

    total = sum(statuses.values())
    assert total >= (2000 if LONG else 80), statuses
    assert not [status for status in statuses if status >= 500], statuses
    backend = trial.db.backend
    summary = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
    with capsys.disabled():
        print(
            f"\nschemathesis ({backend}): {total} requests over {len(operations)} operations "
            f"x {len(ROLES)} roles, 0 server errors, all answers documented ({summary})"
        )
