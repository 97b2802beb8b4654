"""The dashboard: numbers of the user's sites, each linking to its list, in site time."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from typing import Any

from psotrial.capture.participants import register_candidate

HREF = re.compile(r'href="(/[^"]*)"')


def _at(server: Any, moment: datetime) -> None:
    """Fix the server's clock (the pages read ``state.clock``)."""
    state = server.app.state.psotrial
    server.app.state.psotrial = dataclasses.replace(state, clock=lambda: moment)


def _stat(page: str, name: str) -> int:
    match = re.search(rf'id="{name}">(\d+)<', page)
    assert match, name
    return int(match.group(1))


def test_dashboard_counts_only_the_users_sites_and_links_every_number(server: Any) -> None:
    trial = server.trial
    with trial.session() as session:
        trial.enrolled(session)
        register_candidate(
            session,
            actor=trial.actors["coordinator2"],
            site="GZ02",
            screening_date=date(2026, 2, 24),
            now=trial.now,
        )
    # Monday 16 March 2026, 09:00 in Guangzhou: W0 (2 March, no window) has passed without
    # a visit date, W2 (16 March, 13-19 March) is due, W4 (30 March) is not yet.
    _at(server, datetime(2026, 3, 16, 1, 0, tzinfo=UTC))
    page = server.browser("coordinator").get("/dashboard").text
    assert _stat(page, "stat-enrolled") == 1
    assert "of a target of 5" in page
    assert _stat(page, "status-enrolled") == 1
    assert _stat(page, "status-screening") == 0  # GZ02's candidate is not counted at GZ01
    assert _stat(page, "stat-due") == 1
    assert _stat(page, "stat-overdue") == 1

    other = server.browser("coordinator2").get("/dashboard").text
    assert _stat(other, "stat-enrolled") == 0
    assert _stat(other, "status-screening") == 1
    assert _stat(other, "stat-due") == 0

    monitor = server.browser("monitor")
    everything = monitor.get("/dashboard").text
    assert _stat(everything, "status-screening") == 1
    assert _stat(everything, "status-enrolled") == 1
    # Every number links to a list that opens (two clicks at most from the dashboard).
    links = set(HREF.findall(everything)) - {"/static/style.css", "/static/htmx-2.0.11.min.js"}
    for wanted in (
        "/visits?when=week",
        "/visits?when=overdue",
        "/queries?status=open",
        "/adverse-events?serious=yes",
        "/signatures",
        "/participants?status=enrolled",
    ):
        assert wanted in links
    for link in sorted(links):
        if link.startswith(("/screening", "/participants/")):
            continue  # the forms engineer's pages, tested there
        assert monitor.get(link).status_code == 200, link


def test_overdue_follows_the_site_time_zone_not_utc(server: Any) -> None:
    trial = server.trial
    with trial.session() as session:
        trial.enrolled(session)
    coordinator = server.browser("coordinator")
    # 2 March 23:30 in Guangzhou: W0's one-day window is still open.
    _at(server, datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    assert _stat(coordinator.get("/dashboard").text, "stat-overdue") == 0
    # 3 March 00:30 in Guangzhou, still 2 March in UTC: W0 is overdue at the site.
    _at(server, datetime(2026, 3, 2, 16, 30, tzinfo=UTC))
    assert _stat(coordinator.get("/dashboard").text, "stat-overdue") == 1
    listed = coordinator.get("/visits?when=overdue").text
    assert "W0" in listed
    assert "GZ01-001" in listed


def test_dashboard_needs_a_login(server: Any) -> None:
    response = server.client().get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
