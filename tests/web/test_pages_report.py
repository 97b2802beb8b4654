"""The study report in the web app: who may read it, the page, the PDF and HTML downloads."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from psotrial.web.pages.report import REPORT_ROLES

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def demo_login(demo_server: Any, role: str) -> httpx.Client:
    """A client logged in as the demo study's user of ``role``."""
    username = f"demo-{role.replace('_', '-')}"
    client = httpx.Client(base_url=demo_server.url, timeout=120, follow_redirects=False)
    match = CSRF.search(client.get("/login").text)
    assert match
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": demo_server.passwords[username],
            "csrf_token": match.group(1),
            "next": "/dashboard",
        },
    )
    assert response.status_code == 303, response.text
    return client


@pytest.mark.parametrize("role", ["coordinator", "investigator", "admin"])
def test_report_is_forbidden_to_other_roles(server: Any, role: str) -> None:
    client = server.browser(role)
    for path in ("/report", "/report.pdf", "/report.html"):
        assert client.get(path).status_code == 403


def test_report_needs_a_login(server: Any) -> None:
    response = server.client().get("/report")
    assert response.status_code in {302, 303, 401}


def test_report_page_pdf_and_html_for_readers(demo_server: Any) -> None:
    assert {"statistician", "data_manager", "monitor"} == REPORT_ROLES
    clients = {role: demo_login(demo_server, role) for role in sorted(REPORT_ROLES)}
    try:
        client = clients["statistician"]
        page = client.get("/report")
        assert page.status_code == 200, page.text
        text = page.text
        assert '<link rel="stylesheet" href="/report/report.css">' in text
        assert '<div class="report' in text
        assert 'id="outcome-O01"' in text
        # CSP: no inline style or script; the styles come from the stylesheet
        assert " style=" not in text
        assert "<style" not in text
        assert "content-security-policy" in page.headers
        css = client.get("/report/report.css")
        assert css.status_code == 200
        assert css.headers["content-type"].startswith("text/css")
        assert ".report" in css.text
        for role in ("monitor", "data_manager"):
            assert clients[role].get("/report").status_code == 200  # cached: same data
        pdf = client.get("/report.pdf")
        assert pdf.status_code == 200
        assert pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["content-disposition"].startswith("attachment;")
        assert pdf.content.startswith(b"%PDF-")
        html = client.get("/report.html")
        assert html.headers["content-disposition"].startswith("attachment;")
        assert "<style>" in html.text
    finally:
        for one in clients.values():
            one.close()


def test_report_refuses_an_unknown_imputation(server: Any) -> None:
    client = server.browser("statistician")
    assert client.get("/report", params={"imputation": "none"}).status_code in {400, 422}
