"""Screening verdicts stored per criterion; enrolment only when eligible and by an investigator."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from psotrial.capture.enrolment import enrol, evaluate_screening, screen_fail
from psotrial.db.models import CriterionVerdict, Visit
from psotrial.errors import PermissionDenied, StateError


def test_enrol_assigns_id_and_plans_visits(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        assert (participant.participant_code, participant.status) == ("GZ01-001", "enrolled")
        w12 = session.scalars(
            select(Visit).where(Visit.participant_id == participant.id, Visit.visit_code == "W12")
        ).one()
        assert (w12.target_date, w12.earliest_date, w12.latest_date) == (
            date(2026, 5, 25),
            date(2026, 5, 22),
            date(2026, 5, 28),
        )
        verdicts = session.scalars(select(CriterionVerdict)).all()
        assert {v.status for v in verdicts} == {"met"}
        assert len(verdicts) == 13


def test_enrol_ineligible_is_refused_naming_criteria(trial: Any) -> None:
    with trial.session() as session:
        forms = trial.screening_forms()
        forms["labs"]["PLT"]["value"] = 74.9
        participant = trial.screen(session, forms)
        with pytest.raises(StateError, match="EX05 not_met"):
            enrol(
                session,
                protocol=trial.protocol,
                actor=trial.actors["investigator"],
                participant=participant,
                first_infusion=date(2026, 3, 2),
                now=trial.now,
            )


def test_enrol_needs_investigator(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.screen(session)
        with pytest.raises(PermissionDenied, match="roles that may: investigator"):
            enrol(
                session,
                protocol=trial.protocol,
                actor=trial.actors["coordinator"],
                participant=participant,
                first_infusion=date(2026, 3, 2),
                now=trial.now,
            )


def test_enrol_without_confirmation_is_refused(trial: Any) -> None:
    with trial.session() as session:
        forms = trial.screening_forms()
        del forms["eligibility_confirmation"]["ex10"]
        participant = trial.screen(session, forms)
        result = evaluate_screening(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            now=trial.now,
        )
        assert [c.status for c in result.criteria if c.id == "EX10"] == ["needs_confirmation"]
        with pytest.raises(StateError, match="EX10 needs_confirmation"):
            enrol(
                session,
                protocol=trial.protocol,
                actor=trial.actors["investigator"],
                participant=participant,
                first_infusion=date(2026, 3, 2),
                now=trial.now,
            )


def test_screen_fail_records_reason(trial: Any) -> None:
    with trial.session() as session:
        forms = trial.screening_forms()
        forms["demographics"]["birth_date"] = "1950-01-01"
        participant = trial.screen(session, forms)
        screen_fail(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            now=trial.now,
        )
        assert (participant.status, participant.status_reason) == ("screen_failed", "not met: IN02")
