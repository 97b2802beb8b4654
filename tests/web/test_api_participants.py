"""Participants over the API: list, register, casebook, lifecycle, audit; the OpenAPI document."""

from __future__ import annotations

from typing import Any

from psotrial.capture.participants import register_candidate


def test_register_then_enrol_changes_the_id(server: Any) -> None:
    coordinator, investigator = server.api("coordinator"), server.api("investigator")
    with server.trial.session() as session:
        server.trial.screen(session)  # GZ01-S001 with complete, eligible screening forms
    created = coordinator.post(
        "/api/v1/participants",
        json={
            "site": "GZ01",
            "screening_date": "2026-03-01",
            "planned_first_infusion": "2026-03-20",
        },
    )
    assert created.status_code == 201, created.text
    assert created.json() == {
        "id": "GZ01-S002",
        "screening_number": "GZ01-S002",
        "participant_code": None,
        "site": "GZ01",
        "status": "screening",
        "status_date": "2026-03-01",
        "status_reason": None,
        "screening_date": "2026-03-01",
        "planned_first_infusion": "2026-03-20",
        "first_infusion": None,
        "locked": False,
        "open_queries": 0,
    }
    # Enrolment is the investigator's; the id becomes the participant code.
    refused = coordinator.post(
        "/api/v1/participants/GZ01-S001/transitions", json={"to": "enrolled"}
    )
    assert refused.status_code == 403
    enrolled = investigator.post(
        "/api/v1/participants/GZ01-S001/transitions",
        json={"to": "enrolled", "first_infusion": "2026-03-02", "on": "2026-03-01"},
    )
    assert enrolled.status_code == 200, enrolled.text
    body = enrolled.json()
    assert (body["id"], body["participant_code"], body["screening_number"]) == (
        "GZ01-001",
        "GZ01-001",
        "GZ01-S001",
    )
    assert (body["status"], body["status_date"], body["first_infusion"]) == (
        "enrolled",
        "2026-03-01",
        "2026-03-02",
    )
    # Both numbers address the participant.
    by_number = coordinator.get("/api/v1/participants/GZ01-S001").json()
    assert by_number["id"] == "GZ01-001"
    # The fresh candidate has no screening forms: not eligible, 409 naming the criteria.
    ineligible = investigator.post(
        "/api/v1/participants/GZ01-S002/transitions", json={"to": "enrolled"}
    )
    assert ineligible.status_code == 409
    assert "not eligible" in ineligible.json()["error"]["message"]


def test_register_refusals(server: Any) -> None:
    api = server.api("coordinator")
    cases = [
        ({"site": "GZ02", "screening_date": "2026-03-01"}, 403),
        ({"site": "GZ01"}, 422),
        ({"site": "GZ01", "screening_date": "yesterday"}, 422),
        ({"site": "GZ01", "screening_date": "2026-03-01", "colour": "blue"}, 422),
        ({"site": "x" * 500, "screening_date": "2026-03-01"}, 422),
        (
            {
                "site": "GZ01",
                "screening_date": "2026-03-01",
                "planned_first_infusion": "2026-02-01",
            },
            422,
        ),
    ]
    for body, status in cases:
        response = api.post("/api/v1/participants", json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["message"]
    missing = api.post("/api/v1/participants", json={"site": "GZ01"}).json()["error"]
    assert list(missing["fields"]) == ["screening_date"]
    check_nul_is_refused(server, api)
    malformed = api.post(
        "/api/v1/participants", content=b'{"site": ', headers={"content-type": "application/json"}
    )
    assert malformed.status_code in (400, 422)
    assert malformed.json()["error"]["code"] in ("bad_request", "invalid")


def check_nul_is_refused(server: Any, api: Any) -> None:
    """A NUL character anywhere is a 422 (PostgreSQL text cannot hold one: never a 500)."""
    with server.trial.session() as session:
        server.trial.screen(session)  # GZ01-S001
    nul = "a\x00b"
    form = "/api/v1/participants/GZ01-S001/visits/SCR/forms/eligibility_confirmation"
    version = api.get(form).json()["version"]
    cases = [
        ("POST", "/api/v1/queries", {"participant": "GZ01-S001", "message": nul}),
        ("POST", "/api/v1/participants/GZ01-S001/transitions", {"to": "withdrawn", "reason": nul}),
        ("PUT", form, {"data": {"investigator": nul}, "version": version, "status": "draft"}),
        ("PUT", form, {"data": {nul: 1}, "version": version, "status": "draft"}),
        ("GET", "/api/v1/participants?search=a%00b", None),
        ("GET", "/api/v1/queries?item=a%00b", None),
        ("GET", "/api/v1/participants/GZ01-S001/audit?item=a%00b", None),
    ]
    for method, path, body in cases:
        response = api.request(method, path, json=body)
        assert response.status_code == 422, (path, body, response.text)
    anonymous = server.client().post("/api/v1/auth/token", json={"username": nul, "password": "x"})
    assert anonymous.status_code == 422


def test_list_filters(server: Any) -> None:
    trial = server.trial
    with trial.session() as session:
        trial.enrolled(session)  # GZ01-001
        trial.screen(session)  # GZ01-S002
        register_candidate(
            session,
            actor=trial.actors["coordinator2"],
            site="GZ02",
            screening_date=trial.now.date(),
            now=trial.now,
        )
    monitor = server.api("monitor")

    def ids(**params: str) -> list[str]:
        response = monitor.get("/api/v1/participants", params=params)
        assert response.status_code == 200, response.text
        return [p["id"] for p in response.json()["participants"]]

    assert ids() == ["GZ01-001", "GZ01-S002", "GZ02-S001"]
    assert ids(site="GZ02") == ["GZ02-S001"]
    assert ids(status="enrolled") == ["GZ01-001"]
    assert ids(search="s00") == ["GZ01-001", "GZ01-S002", "GZ02-S001"]
    assert ids(search="GZ01-00") == ["GZ01-001"]
    first = monitor.get("/api/v1/participants").json()["participants"][0]
    assert (first["next_visit"], first["next_visit_target"]) == ("W0", "2026-03-02")
    bad = monitor.get("/api/v1/participants", params={"status": "asleep"})
    assert bad.status_code == 422
    assert "status" in bad.json()["error"]["fields"]
    check_casebook_lists_visits_and_form_codes(server)


def check_casebook_lists_visits_and_form_codes(server: Any) -> None:
    detail = server.api("statistician").get("/api/v1/participants/GZ01-001")
    assert detail.status_code == 200
    body = detail.json()
    protocol = server.trial.protocol
    assert [v["code"] for v in body["visits"]] == [v.code for v in protocol.visits]
    for visit, planned in zip(body["visits"], protocol.visits, strict=True):
        assert [f["code"] for f in visit["forms"]] == list(planned.forms)
    w0 = body["visits"][1]
    assert (w0["target_date"], w0["earliest_date"], w0["actual_date"]) == (
        "2026-03-02",
        "2026-03-02",
        None,
    )
    pasi = next(f for f in w0["forms"] if f["code"] == "pasi")
    assert pasi == {
        "code": "pasi",
        "name": protocol.form("pasi").name,
        "repeating": False,
        "status": "missing",
        "version": 0,
        "open_queries": 0,
        "repeats": [],
    }
    screening = body["visits"][0]
    assert {f["status"] for f in screening["forms"]} >= {"complete"}


def test_transitions_need_reasons_and_follow_the_lifecycle(server: Any) -> None:
    with server.trial.session() as session:
        server.trial.enrolled(session)
    api = server.api("coordinator")
    url = "/api/v1/participants/GZ01-001/transitions"
    no_reason = api.post(url, json={"to": "withdrawn"})
    assert no_reason.status_code == 422
    assert list(no_reason.json()["error"]["fields"]) == ["reason"]
    illegal = api.post(url, json={"to": "screening"})
    assert illegal.status_code == 409
    assert "cannot go from enrolled to screening" in illegal.json()["error"]["message"]
    unknown = api.post(url, json={"to": "asleep"})
    assert unknown.status_code == 422
    withdrawn = api.post(url, json={"to": "withdrawn", "reason": "moved away", "on": "2026-03-05"})
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["status"], withdrawn.json()["status_reason"]) == (
        "withdrawn",
        "moved away",
    )
    audit = api.get("/api/v1/participants/GZ01-001/audit", params={"item": "status"}).json()
    last = audit["events"][-1]
    assert (last["old"], last["new"], last["reason"], last["actor"]) == (
        "enrolled",
        "withdrawn",
        "moved away",
        "coordinator",
    )


def test_screen_fail_without_reason_names_the_criteria(server: Any) -> None:
    forms = server.trial.screening_forms()
    forms["demographics"]["birth_date"] = "1950-01-01"  # too old (IN02)
    with server.trial.session() as session:
        server.trial.screen(session, forms)
    response = server.api("investigator").post(
        "/api/v1/participants/GZ01-S001/transitions", json={"to": "screen_failed"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "screen_failed"
    assert response.json()["status_reason"] == "not met: IN02"


def test_openapi_declares_every_refusal(server: Any) -> None:
    document = server.client().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    contract = {
        ("/healthz", "get"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/participants", "get"),
        ("/api/v1/participants", "post"),
        ("/api/v1/participants/{pid}", "get"),
        ("/api/v1/participants/{pid}/visits/{visit}/forms/{form}", "get"),
        ("/api/v1/participants/{pid}/visits/{visit}/forms/{form}", "put"),
        ("/api/v1/participants/{pid}/transitions", "post"),
        ("/api/v1/participants/{pid}/audit", "get"),
        ("/api/v1/queries", "get"),
        ("/api/v1/queries", "post"),
        ("/api/v1/queries/{query_id}/answer", "post"),
        ("/api/v1/queries/{query_id}/close", "post"),
    }
    found = {(path, method) for path, methods in paths.items() for method in methods}
    assert contract <= found, contract - found
    for path, method in found - {("/healthz", "get")}:
        operation = paths[path][method]
        declared = set(operation["responses"])
        needed = {"422"} | ({"400"} if "requestBody" in operation else set())
        if path != "/api/v1/auth/token":
            needed |= {"401"}
        assert needed <= declared, (path, method, declared)
        for status in declared - {"200", "201"}:
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (path, status)
    assert "screening number" in paths["/api/v1/participants"]["post"]["description"]
