"""Queries over the API: raise on an item, answer, close; filters; refusals."""

from __future__ import annotations

from typing import Any

PASI = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area_pct": 55},
}
PID = "GZ01-001"


def with_pasi(server: Any) -> None:
    with server.trial.session() as session:
        server.trial.enrolled(session)
    response = server.api("coordinator").put(
        f"/api/v1/participants/{PID}/visits/W0/forms/pasi", json={"data": PASI, "version": 0}
    )
    assert response.status_code == 200, response.text


def test_query_lifecycle_on_an_item(server: Any) -> None:
    with_pasi(server)
    monitor, coordinator = server.api("monitor"), server.api("coordinator")
    raised = monitor.post(
        "/api/v1/queries",
        json={
            "participant": PID,
            "visit": "W0",
            "form": "pasi",
            "item": "head.erythema",
            "message": "Source says 3?",
        },
    )
    assert raised.status_code == 201, raised.text
    query = raised.json()
    assert {k: query[k] for k in ("participant", "site", "visit", "form", "repeat", "item")} == {
        "participant": PID,
        "site": "GZ01",
        "visit": "W0",
        "form": "pasi",
        "repeat": 0,
        "item": "head.erythema",
    }
    assert (query["status"], query["opened_by"], query["check_id"]) == ("open", "monitor", None)
    # The casebook counts it on the form.
    detail = coordinator.get(f"/api/v1/participants/{PID}").json()
    pasi = next(f for f in detail["visits"][1]["forms"] if f["code"] == "pasi")
    assert pasi["open_queries"] == 1
    listed = coordinator.get(
        "/api/v1/queries", params={"participant": PID, "item": "head.erythema"}
    )
    assert [q["id"] for q in listed.json()["queries"]] == [query["id"]]
    answered = coordinator.post(
        f"/api/v1/queries/{query['id']}/answer", json={"answer": "It is 2."}
    )
    assert answered.status_code == 200, answered.text
    assert (answered.json()["status"], answered.json()["answer"]) == ("answered", "It is 2.")
    again = coordinator.post(f"/api/v1/queries/{query['id']}/answer", json={"answer": "Really."})
    assert again.status_code == 409
    closed = monitor.post(f"/api/v1/queries/{query['id']}/close", json={"note": "confirmed"})
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["close_note"]) == ("closed", "confirmed")
    assert monitor.get("/api/v1/queries", params={"status": "open"}).json() == {"queries": []}
    assert len(monitor.get("/api/v1/queries", params={"status": "closed"}).json()["queries"]) == 1
    audit = monitor.get(
        f"/api/v1/participants/{PID}/audit",
        params={"visit": "W0", "form": "pasi", "item": "head.erythema"},
    ).json()["events"]
    assert [e["action"] for e in audit] == ["create", "query_open", "query_answer", "query_close"]


def check_query_on_participant_and_visit_date(server: Any) -> None:
    monitor = server.api("monitor")
    on_participant = monitor.post(
        "/api/v1/queries", json={"participant": PID, "message": "Consent version?"}
    )
    assert on_participant.status_code == 201
    assert on_participant.json()["visit"] is None
    on_visit = monitor.post(
        "/api/v1/queries",
        json={"participant": PID, "visit": "W0", "item": "actual_date", "message": "Date?"},
    )
    assert on_visit.status_code == 201, on_visit.text
    assert (on_visit.json()["visit"], on_visit.json()["item"]) == ("W0", "actual_date")


def test_raise_query_refusals(server: Any) -> None:
    with_pasi(server)
    monitor = server.api("monitor")
    base = {"participant": PID, "message": "check"}
    cases = [
        ({**base, "visit": "W0", "form": "pasi", "item": "head.colour"}, 422, "item"),
        ({**base, "visit": "W0", "form": "bsa"}, 404, None),  # not saved yet
        ({**base, "form": "pasi"}, 422, "visit"),
        ({**base, "item": "head.erythema"}, 422, "item"),
        ({**base, "visit": "W0", "item": "weight"}, 422, "item"),
        ({**base, "visit": "W99", "form": "pasi"}, 404, None),
        ({**base, "message": ""}, 422, "message"),
        ({**base, "participant": "GZ01-999"}, 404, None),
        ({**base, "priority": "high"}, 422, "priority"),
    ]
    for body, status, field in cases:
        response = monitor.post("/api/v1/queries", json=body)
        assert response.status_code == status, (body, response.text)
        if field is not None:
            assert field in response.json()["error"]["fields"], response.text
    assert monitor.get("/api/v1/queries").json() == {"queries": []}
    unknown = monitor.post("/api/v1/queries/4242/close", json={})
    assert unknown.status_code == 404
    check_query_on_participant_and_visit_date(server)
