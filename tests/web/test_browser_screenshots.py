"""Screenshots of the demo study for the README, taken in a real browser at 1024 px.

The files in docs/screenshots/ are rewritten on every run (they are committed, so a change
to a page shows in review). The demo is built with a fixed "now" and served with a fixed
clock, so the pictures only change when the pages do.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from psotrial.db.models import Participant

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTH = 1024


def _first(demo_server: Any, status: str) -> Participant:
    with demo_server.factory() as session:
        found = session.scalars(
            select(Participant).where(Participant.status == status).order_by(Participant.id)
        ).first()
    assert found is not None, f"the demo has no participant with status {status}"
    return found


@pytest.fixture(scope="module")
def demo_tab(chromium: Any, demo_server: Any) -> Iterator[Any]:
    """The demo coordinator's browser at 1024 px, logged in."""
    context = chromium.new_context(viewport={"width": WIDTH, "height": 768}, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.goto(f"{demo_server.url}/login")
    tab.fill("#username", "demo-coordinator")
    tab.fill("#password", demo_server.passwords["demo-coordinator"])
    tab.click("button[type=submit]")
    tab.wait_for_url("**/dashboard")
    yield tab
    context.close()


def _shoot(tab: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    tab.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000  # a page, not a blank


def test_screenshot_of_the_dashboard(demo_tab: Any, demo_server: Any) -> None:
    demo_tab.goto(f"{demo_server.url}/dashboard")
    expect(demo_tab.locator("#stat-enrolled")).not_to_have_text("0")
    _shoot(demo_tab, "dashboard.png")


def test_screenshot_of_a_pasi_form(demo_tab: Any, demo_server: Any) -> None:
    pid = _first(demo_server, "follow_up").participant_code
    demo_tab.goto(f"{demo_server.url}/participants/{pid}/visits/W0/forms/pasi")
    expect(demo_tab.locator("#pasi-total")).not_to_have_text("–")
    _shoot(demo_tab, "pasi-form.png")


def test_screenshot_of_a_casebook(demo_tab: Any, demo_server: Any) -> None:
    pid = _first(demo_server, "follow_up").participant_code
    demo_tab.goto(f"{demo_server.url}/participants/{pid}")
    expect(demo_tab.locator("svg.pasi-chart circle").first).to_be_attached()
    _shoot(demo_tab, "casebook.png")


def test_screenshot_of_a_screening_failure(demo_tab: Any, demo_server: Any) -> None:
    number = _first(demo_server, "screen_failed").screening_number
    demo_tab.goto(f"{demo_server.url}/screening/{number}")
    expect(demo_tab.locator("#verdicts .badge", has_text="not met").first).to_be_visible()
    _shoot(demo_tab, "screening.png")
