"""A dead bearer token is refused by every API route, whatever the request holds.

The routes ask the database whether the token is live in their own session
(web.auth.Bearer.login); a request whose input is invalid never reaches the route, so the
validation error handler asks instead. Either way: 401, nothing written, and the same
answer as before the input was judged.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update

from psotrial.db.engine import transaction
from psotrial.db.models import AuditEvent, User, UserSession
from psotrial.web.policy import POLICY

P = "/api/v1/participants/GZ01-001"
PASI = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area_pct": 55},
}
# (method, path template) -> (a valid call, an invalid one): method, path, body.
CALLS: dict[tuple[str, str], tuple[tuple[str, str, Any], tuple[str, str, Any]]] = {
    ("GET", "/api/v1/participants"): (
        ("GET", "/api/v1/participants", None),
        ("GET", "/api/v1/participants?status=nonsense", None),
    ),
    ("POST", "/api/v1/participants"): (
        ("POST", "/api/v1/participants", {"site": "GZ01", "screening_date": "2026-03-01"}),
        ("POST", "/api/v1/participants", {"site": "gz01", "unknown": 1}),
    ),
    ("GET", "/api/v1/participants/{pid}"): (("GET", P, None), ("GET", f"{P}!", None)),
    ("POST", "/api/v1/participants/{pid}/transitions"): (
        ("POST", f"{P}/transitions", {"to": "completed"}),
        ("POST", f"{P}/transitions", {"to": "nowhere"}),
    ),
    ("GET", "/api/v1/participants/{pid}/audit"): (
        ("GET", f"{P}/audit", None),
        ("GET", f"{P}/audit?visit={'W' * 20}", None),
    ),
    ("GET", "/api/v1/participants/{pid}/visits/{visit}/forms/{form}"): (
        ("GET", f"{P}/visits/W0/forms/pasi", None),
        ("GET", f"{P}/visits/w0/forms/pasi", None),
    ),
    ("PUT", "/api/v1/participants/{pid}/visits/{visit}/forms/{form}"): (
        ("PUT", f"{P}/visits/W4/forms/pasi", {"data": PASI, "version": 0}),
        ("PUT", f"{P}/visits/W4/forms/pasi", {"data": PASI, "version": -1}),
    ),
    ("GET", "/api/v1/queries"): (
        ("GET", "/api/v1/queries", None),
        ("GET", "/api/v1/queries?status=nonsense", None),
    ),
    ("POST", "/api/v1/queries"): (
        ("POST", "/api/v1/queries", {"participant": "GZ01-001", "message": "please check"}),
        ("POST", "/api/v1/queries", {"participant": "GZ01-001", "message": ""}),
    ),
    ("POST", "/api/v1/queries/{query_id}/answer"): (
        ("POST", "/api/v1/queries/1/answer", {"answer": "checked at source"}),
        ("POST", "/api/v1/queries/0/answer", {"answer": "checked at source"}),
    ),
    ("POST", "/api/v1/queries/{query_id}/close"): (
        ("POST", "/api/v1/queries/1/close", {"note": "resolved"}),
        ("POST", "/api/v1/queries/1/close", {"note": 7}),
    ),
}


def _events(trial: Any) -> int:
    with trial.db.factory() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_every_authenticated_api_route_is_in_the_table() -> None:
    api = {key for key, rule in POLICY.items() if key[1].startswith("/api/v1")}
    assert {key for key in api if POLICY[key].scope != "public"} == set(CALLS)


@pytest.mark.parametrize("how", ["revoked", "deactivated"])
def test_a_dead_token_is_refused_before_its_input_is_judged(
    server: Any, trial: Any, how: str
) -> None:
    with trial.session() as session:
        trial.enrolled(session)
    live = server.api("coordinator")
    valid, invalid = zip(*CALLS.values(), strict=True)
    # With a live token the invalid calls are refused for their input, which proves they
    # test the order of the checks.
    for method, path, body in invalid:
        assert live.request(method, path, json=body).status_code in (404, 422), path
    with transaction(trial.db.factory) as session:
        if how == "revoked":
            session.execute(update(UserSession).values(revoked_at=trial.now))
        else:
            session.execute(update(User).values(active=False))
    before = _events(trial)
    for method, path, body in valid + invalid:
        response = live.request(method, path, json=body)
        assert response.status_code == 401, (method, path, response.text)
        assert response.json() == {
            "error": {
                "code": "not_authenticated",
                "message": "the bearer token is invalid or expired; log in again",
            }
        }
        assert response.headers["www-authenticate"] == "Bearer"
    assert _events(trial) == before
