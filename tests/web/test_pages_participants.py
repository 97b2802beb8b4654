"""The participant list and a participant's casebook, as each role and site sees them."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from psotrial.capture.entries import save_entry
from psotrial.capture.participants import register_candidate
from psotrial.capture.visits import record_visit
from psotrial.protocol.answers import nest_answers


def _example(trial: Any, form: str, **changes: Any) -> dict[str, Any]:
    spec = trial.protocol.form(form)
    values = {item.name: item.example for item in spec.items}
    values.update(changes)
    return nest_answers(values)


def _treated(trial: Any) -> str:
    """An enrolled GZ01 participant with W0 done: weight 60 kg, PASI, and an infusion of
    135 million cells against 120 million planned (+12.5 %, over the 10 % limit)."""
    with trial.session() as session:
        participant = trial.enrolled(session)
        coordinator = trial.actors["coordinator"]
        record_visit(
            session,
            protocol=trial.protocol,
            actor=coordinator,
            participant=participant,
            visit="W0",
            on=date(2026, 3, 2),
            now=trial.now,
        )
        for form, data in (
            ("vital_signs", _example(trial, "vital_signs", weight_kg=60)),
            ("pasi", _example(trial, "pasi")),
            (
                "infusion",
                _example(
                    trial,
                    "infusion",
                    weight_kg_used=60,
                    planned_cells=120_000_000,
                    actual_cells=135_000_000,
                ),
            ),
        ):
            save_entry(session, protocol=trial.protocol, actor=coordinator,
                       participant=participant, visit="W0", form=form, data=data,
                       base_version=0, now=trial.now)  # fmt: skip
        return str(participant.participant_code)


def _other_site(trial: Any) -> str:
    with trial.session() as session:
        other = register_candidate(session, actor=trial.actors["coordinator2"], site="GZ02",
                                   screening_date=date(2026, 2, 24), now=trial.now)  # fmt: skip
        return other.screening_number


def test_list_shows_own_sites_and_filters(server: Any) -> None:
    pid = _treated(server.trial)
    other = _other_site(server.trial)
    coordinator = server.browser("coordinator")

    def listed(path: str, who: Any = coordinator) -> set[str]:
        return set(re.findall(r'href="/participants/([^"/?]+)"', who.get(path).text))

    assert listed("/participants") == {pid}
    assert listed("/participants?status=screening") == set()
    assert listed("/participants?status=on_treatment") == {pid}
    assert listed("/participants?search=001") == {pid}
    assert listed("/participants?search=999") == set()
    assert coordinator.get("/participants?status=sleeping").status_code == 422
    monitor = server.browser("monitor")
    assert listed("/participants", monitor) == {pid, other}
    assert listed("/participants?site=GZ02", monitor) == {other}


def test_casebook_shows_timeline_infusions_and_pasi_chart(server: Any) -> None:
    pid = _treated(server.trial)
    response = server.browser("coordinator").get(f"/participants/{pid}")
    assert response.status_code == 200
    page = response.text
    # The visit timeline with target, window, actual date and window state.
    w2 = page[page.index('id="visit-W2"') :]
    assert "2026-03-16" in w2[:600]
    assert "2026-03-13" in w2[:600]
    assert "2026-03-19" in w2[:600]
    assert "in window" in page[page.index('id="visit-W0"') :][:1500]
    # Forms link to their pages, done and missing.
    assert f'href="/participants/{pid}/visits/W0/forms/pasi"' in page
    assert f'href="/participants/{pid}/visits/W2/forms/vital_signs"' in page
    assert ">missing<" in page
    assert ">complete<" in page
    # Infusion: planned 120,000,000 (2x10^6/kg x 60 kg), actual 135,000,000, flagged.
    assert "120,000,000" in page
    assert "135,000,000" in page
    assert "dose-deviation" in page
    assert "12.5" in page
    # PASI over time: an inline SVG with a point and axis labels, no inline style.
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<circle" in svg
    assert ">PASI<" in svg
    assert ">Visit<" in svg
    assert ">W0<" in svg
    assert " style=" not in page
    assert "<script>" not in page
    # The lock state, and the queries/audit links.
    assert "open for entry" in page
    assert f'href="/participants/{pid}/audit"' in page


def test_casebook_actions_follow_the_role(server: Any) -> None:
    pid = _treated(server.trial)
    coordinator = server.browser("coordinator").get(f"/participants/{pid}").text
    assert "/review/lock" not in coordinator
    assert "/review/sign-casebook" not in coordinator
    investigator = server.browser("investigator").get(f"/participants/{pid}").text
    assert "/review/sign-casebook" in investigator
    assert "/review/lock" not in investigator
    manager = server.browser("data_manager").get(f"/participants/{pid}").text
    assert 'action="/review/lock"' in manager
    assert "/review/sign-casebook" not in manager


def test_other_sites_participant_is_not_found(server: Any) -> None:
    pid = _treated(server.trial)
    other = _other_site(server.trial)
    stranger = server.browser("coordinator2")
    assert stranger.get(f"/participants/{pid}").status_code == 404
    assert stranger.get("/participants/GZ09-999").status_code == 404
    assert server.browser("coordinator").get(f"/participants/{other}").status_code == 404
    assert server.browser("statistician").get(f"/participants/{other}").status_code == 200
