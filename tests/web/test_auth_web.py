"""Logging in and out through the pages and the API; security headers; CSRF."""

from __future__ import annotations

from typing import Any

from psotrial.web.security import SESSION_COOKIE


def test_healthz_is_ok_with_security_headers(server: Any) -> None:
    response = server.client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_token_refuses_wrong_password_with_json_error(server: Any) -> None:
    response = server.client().post(
        "/api/v1/auth/token", json={"username": "coordinator", "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "not_authenticated", "message": "invalid username or password"}
    }


def test_unknown_user_and_wrong_password_answer_alike(server: Any) -> None:
    client = server.client()
    unknown = client.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"})
    wrong = client.post("/api/v1/auth/token", json={"username": "monitor", "password": "x"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_account_locks_after_five_failures(server: Any) -> None:
    client = server.client()
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"username": "monitor", "password": "bad"})
    right = client.post(
        "/api/v1/auth/token", json={"username": "monitor", "password": server.trial.password}
    )
    assert right.status_code == 401


def test_page_without_login_redirects_to_login(server: Any) -> None:
    response = server.client().get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/dashboard"


def test_login_sets_strict_httponly_cookie_and_logout_revokes_it(server: Any) -> None:
    client = server.browser("coordinator")
    cookie = next(c for c in client.cookies.jar if c.name == SESSION_COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly")
    stolen = cookie.value
    response = client.post("/logout", data={"csrf_token": client.csrf})
    assert response.status_code == 303
    replay = server.client()
    replay.cookies.set(SESSION_COOKIE, stolen)
    assert replay.get("/dashboard").status_code == 303


def test_post_without_csrf_token_is_refused(server: Any) -> None:
    client = server.browser("coordinator")
    response = client.post("/logout", data={})
    assert response.status_code == 403
    assert client.get("/dashboard").status_code == 200


def test_login_form_without_its_csrf_cookie_is_refused(server: Any) -> None:
    response = server.client().post(
        "/login",
        data={"username": "coordinator", "password": server.trial.password, "csrf_token": "x"},
    )
    assert response.status_code == 403


def test_open_redirect_after_login_is_refused(server: Any) -> None:
    client = server.client()
    page = client.get("/login?next=//evil.example/")
    assert 'value="/dashboard"' in page.text
