"""In a real browser: logging in and out, and the language switch."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


def test_log_in_switch_to_chinese_and_log_out(page: Any, server: Any, log_in: Any) -> None:
    log_in("coordinator")
    assert page.locator("h1").inner_text() == "Dashboard"
    page.select_option("#language-select", "zh")
    page.click("text=Switch")
    page.wait_for_url("**/dashboard")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")
    page.goto(f"{server.url}/dashboard")
    page.wait_for_url("**/login?next=/dashboard")


def test_wrong_password_is_refused_in_the_page(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", "coordinator")
    page.fill("#password", "not-the-password")
    page.click("button[type=submit]")
    assert "Invalid username or password." in page.locator("[role=alert]").inner_text()
