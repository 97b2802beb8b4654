"""Every API endpoint x every role x own site / other site / anonymous, against a table.

The table is the contract: each cell is the status the server must answer. Allowed calls
succeed; a role that may not gets 403; a user of another site gets 404 (existence is not
revealed); no token gets 401. Calls that would be allowed but for the participant's state
answer 409, which proves the permission check passed.
"""

from __future__ import annotations

from typing import Any

from psotrial.capture.entries import save_entry
from psotrial.capture.queries import open_query

ROLES = (
    "coordinator",
    "investigator",
    "monitor",
    "data_manager",
    "statistician",
    "admin",
    "coordinator2",  # works at GZ02: the other site
    "anonymous",
)
P = "/api/v1/participants/GZ01-001"
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
PASI = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area_pct": 55},
}

# endpoint: (method, path, body) ; {n} is the role's number, {answer}/{close} its query.
ENDPOINTS: dict[str, tuple[str, str, Any]] = {
    "list participants": ("GET", "/api/v1/participants", None),
    "register": ("POST", "/api/v1/participants", {"site": "GZ01", "screening_date": "2026-03-01"}),
    "show participant": ("GET", P, None),
    "read form": ("GET", f"{P}/visits/W0/forms/pasi", None),
    "save form": (
        "PUT",
        f"{P}/visits/W2/forms/adverse_event?repeat={{n}}",
        {"data": AE, "version": 0},
    ),
    "transition": ("POST", f"{P}/transitions", {"to": "completed"}),
    "enrol": ("POST", f"{P}/transitions", {"to": "enrolled"}),
    "audit": ("GET", f"{P}/audit", None),
    "list queries": ("GET", "/api/v1/queries", None),
    "raise query": (
        "POST",
        "/api/v1/queries",
        {
            "participant": "GZ01-001",
            "visit": "W0",
            "form": "pasi",
            "item": "head.erythema",
            "message": "please check",
        },
    ),
    "answer query": ("POST", "/api/v1/queries/{answer}/answer", {"answer": "checked at source"}),
    "close query": ("POST", "/api/v1/queries/{close}/close", {"note": "resolved"}),
}

#            coord inv  mon  dm   stat admin coord2 anon
EXPECTED: dict[str, tuple[int, ...]] = {
    "list participants": (200, 200, 200, 200, 200, 200, 200, 401),
    "register": (201, 201, 403, 403, 403, 403, 403, 401),
    "show participant": (200, 200, 200, 200, 200, 200, 404, 401),
    "read form": (200, 200, 200, 200, 200, 200, 404, 401),
    "save form": (200, 200, 403, 403, 403, 403, 404, 401),
    "transition": (409, 409, 403, 403, 403, 403, 404, 401),
    "enrol": (403, 409, 403, 403, 403, 403, 404, 401),
    "audit": (200, 200, 200, 200, 200, 200, 404, 401),
    "list queries": (200, 200, 200, 200, 200, 200, 200, 401),
    "raise query": (201, 201, 201, 201, 403, 403, 404, 401),
    "answer query": (200, 200, 403, 403, 403, 403, 404, 401),
    "close query": (403, 403, 200, 200, 403, 403, 404, 401),
}
ERROR_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 409: "invalid_state"}


def arrange(server: Any) -> dict[str, tuple[int, int]]:
    """GZ01-001 enrolled with a W0 PASI; per role, one open query to answer and one to close."""
    trial = server.trial
    queries = {}
    with trial.session() as session:
        participant = trial.enrolled(session)
        saved = save_entry(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            visit="W0",
            form="pasi",
            data=PASI,
            base_version=0,
            now=trial.now,
        )
        for role in ROLES:
            pair = [
                open_query(
                    session,
                    actor=trial.actors["monitor"],
                    participant=participant,
                    entry=saved.entry,
                    item="head.erythema",
                    message=f"{purpose} by {role}",
                    now=trial.now,
                ).id
                for purpose in ("answer", "close")
            ]
            queries[role] = (pair[0], pair[1])
    return queries


def test_every_endpoint_role_and_site(server: Any) -> None:
    queries = arrange(server)
    clients = {role: server.client() if role == "anonymous" else server.api(role) for role in ROLES}
    assert set(EXPECTED) == set(ENDPOINTS)
    mismatches = []
    for name, (method, template, body) in ENDPOINTS.items():
        for n, role in enumerate(ROLES, start=1):
            answer, close = queries[role]
            path = template.format(n=n, answer=answer, close=close)
            response = clients[role].request(method, path, json=body)
            expected = EXPECTED[name][n - 1]
            if response.status_code != expected:
                mismatches.append(
                    f"{name} as {role}: {response.status_code} != {expected}: {response.text[:200]}"
                )
            elif (
                expected in ERROR_CODES
                and response.json()["error"]["code"] != ERROR_CODES[expected]
            ):
                mismatches.append(f"{name} as {role}: error code {response.json()['error']}")
    assert not mismatches, "\n".join(mismatches)
    check_other_site_sees_nothing(server)
    check_bad_tokens(server)


def check_other_site_sees_nothing(server: Any) -> None:
    other = server.api("coordinator2")
    assert other.get("/api/v1/participants").json() == {"participants": []}
    assert other.get("/api/v1/queries").json() == {"queries": []}
    assert other.get("/api/v1/participants", params={"site": "GZ01"}).json() == {"participants": []}
    # Unknown and hidden participants answer alike.
    hidden = other.get(P).json()["error"]
    unknown = other.get("/api/v1/participants/GZ01-999").json()["error"]
    assert hidden["message"].replace("GZ01-001", "X") == unknown["message"].replace("GZ01-999", "X")
    mine = server.api("coordinator").get("/api/v1/participants").json()["participants"]
    assert {p["site"] for p in mine} == {"GZ01"}
    assert [p["id"] for p in mine] == ["GZ01-001", "GZ01-S002", "GZ01-S003"]  # 2 registered


def check_bad_tokens(server: Any) -> None:
    client = server.client()
    for header in ("Bearer nonsense", "Basic abc", "Bearer"):
        response = client.get("/api/v1/participants", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response.headers["www-authenticate"] == "Bearer"
