"""Screening pages through a real server: candidates, verdicts explained, enrol, screen fail."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from psotrial.db.engine import transaction
from psotrial.db.models import Participant


@pytest.fixture
def candidates(server: Any) -> tuple[str, str]:
    """An eligible candidate and one excluded by an anxiety score (SAS index 81.25 > 50)."""
    trial = server.trial
    with transaction(trial.db.factory) as session:
        eligible = trial.screen(session).screening_number
        forms = trial.screening_forms()
        forms["zung_sas"] = {f"q{n}": 4 for n in range(1, 21)}
        anxious = trial.screen(session, forms).screening_number
    return eligible, anxious


def _participant(server: Any, number: str) -> Participant:
    with server.trial.db.factory() as session:
        participant = session.scalar(
            select(Participant).where(Participant.screening_number == number)
        )
        assert participant is not None
        return participant


def _post(client: Any, url: str, **data: str) -> Any:
    return client.post(url, data={"csrf_token": client.csrf, **data})


def test_screening_lists_candidates_of_the_users_sites(
    server: Any, candidates: tuple[str, str]
) -> None:
    eligible, anxious = candidates
    page = server.browser("coordinator").get("/screening")
    assert page.status_code == 200
    assert eligible in page.text
    assert anxious in page.text
    assert "not met: EX04" in page.text
    assert 'action="/screening"' in page.text  # the registration form
    other = server.browser("coordinator2").get("/screening")
    assert eligible not in other.text
    assert server.browser("coordinator2").get(f"/screening/{eligible}").status_code == 404


def test_exclusion_is_explained_with_the_values_compared(
    server: Any, candidates: tuple[str, str]
) -> None:
    _, anxious = candidates
    page = server.browser("monitor").get(f"/screening/{anxious}")
    assert page.status_code == 200
    row = re.search(r'<tr id="criterion-EX04">(.*?)</tr>', page.text, re.S)
    assert row is not None
    assert "not met" in row.group(1)
    assert "excluded" in row.group(1)
    assert "zung_sas.index = 81.25" in row.group(1)
    assert "not eligible yet" in page.text
    # A monitor sees the verdicts but is offered no decision.
    assert "/enrol" not in page.text


def test_register_a_candidate_and_refuse_a_bad_date(server: Any) -> None:
    client = server.browser("coordinator")
    bad = _post(client, "/screening", site="GZ01", screening_date="2026-02-31")
    assert bad.status_code == 422
    assert 'id="err-screening-date"' in bad.text
    assert 'value="2026-02-31"' in bad.text
    response = _post(
        client,
        "/screening",
        site="GZ01",
        screening_date="2026-02-23",
        planned_first_infusion="2026-03-02",
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/screening/GZ01-S001"
    page = client.get("/screening/GZ01-S001")
    assert "/participants/GZ01-S001/visits/SCR/forms/pasi" in page.text
    assert "cannot evaluate" in page.text
    assert _participant(server, "GZ01-S001").status == "screening"
    elsewhere = _post(
        server.browser("coordinator2"), "/screening", site="GZ01", screening_date="2026-02-23"
    )
    assert elsewhere.status_code == 403


def test_enrol_by_investigator_only(server: Any, candidates: tuple[str, str]) -> None:
    eligible, _ = candidates
    url = f"/screening/{eligible}/enrol"
    coordinator = _post(
        server.browser("coordinator"), url, first_infusion="2026-03-02", confirm="yes"
    )
    assert coordinator.status_code == 403
    assert _participant(server, eligible).status == "screening"
    investigator = server.browser("investigator")
    unconfirmed = _post(investigator, url, first_infusion="2026-03-02")
    assert unconfirmed.status_code == 422
    assert 'id="err-confirm"' in unconfirmed.text
    enrolled = _post(investigator, url, first_infusion="2026-03-02", confirm="yes")
    assert enrolled.status_code == 303, enrolled.text
    assert enrolled.headers["location"] == "/participants/GZ01-001"
    participant = _participant(server, eligible)
    assert (participant.status, participant.participant_code) == ("enrolled", "GZ01-001")


def test_not_eligible_is_refused_and_can_be_screen_failed(
    server: Any, candidates: tuple[str, str]
) -> None:
    _, anxious = candidates
    refused = _post(
        server.browser("investigator"),
        f"/screening/{anxious}/enrol",
        first_infusion="2026-03-02",
        confirm="yes",
    )
    assert refused.status_code == 409
    assert "is not eligible" in refused.text
    assert _participant(server, anxious).status == "screening"
    failed = _post(
        server.browser("coordinator"), f"/screening/{anxious}/screen-fail", confirm="yes"
    )
    assert failed.status_code == 303
    participant = _participant(server, anxious)
    assert participant.status == "screen_failed"
    assert participant.status_reason == "not met: EX04"
