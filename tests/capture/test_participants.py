"""The participant lifecycle: every legal transition, every illegal one refused by name."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from psotrial.capture.participants import TRANSITIONS, register_candidate, transition
from psotrial.errors import FieldError, PermissionDenied, StateError

STATES = list(TRANSITIONS)


def move(trial: Any, session: Any, participant: Any, to: str, reason: str | None = "why") -> Any:
    return transition(
        session,
        actor=trial.actors["coordinator"],
        participant=participant,
        to=to,
        on=date(2026, 3, 1),
        reason=reason,
        now=trial.now,
    )


def participant_in(trial: Any, session: Any, status: str) -> Any:
    participant = register_candidate(
        session,
        actor=trial.actors["coordinator"],
        site="GZ01",
        screening_date=date(2026, 2, 23),
        now=trial.now,
    )
    participant.status = status  # arrange the starting state directly; only the move is tested
    return participant


@pytest.mark.parametrize(
    ("start", "to"), [(s, t) for s in STATES for t in STATES if t in TRANSITIONS[s]]
)
def test_transition_legal(trial: Any, start: str, to: str) -> None:
    with trial.session() as session:
        participant = participant_in(trial, session, start)
        assert move(trial, session, participant, to).status == to


@pytest.mark.parametrize(
    ("start", "to"),
    [(s, t) for s in STATES for t in STATES if t not in TRANSITIONS[s] and t != s],
)
def test_transition_illegal_names_both_states(trial: Any, start: str, to: str) -> None:
    with trial.session() as session:
        participant = participant_in(trial, session, start)
        with pytest.raises(StateError, match=f"cannot go from {start} to {to}"):
            move(trial, session, participant, to)


def test_transition_withdrawal_needs_reason(trial: Any) -> None:
    with trial.session() as session:
        participant = participant_in(trial, session, "on_treatment")
        with pytest.raises(FieldError, match="reason is required"):
            move(trial, session, participant, "withdrawn", reason=" ")


def test_register_candidate_numbers_per_site(trial: Any) -> None:
    with trial.session() as session:
        first = participant_in(trial, session, "screening")
        second = participant_in(trial, session, "screening")
        assert (first.screening_number, second.screening_number) == ("GZ01-S001", "GZ01-S002")


def test_register_candidate_other_site_refused(trial: Any) -> None:
    from psotrial.capture.actors import Actor

    outsider = Actor("coord2", "coordinator", frozenset({"BJ01"}))
    with trial.session() as session, pytest.raises(PermissionDenied, match="site GZ01"):
        register_candidate(
            session, actor=outsider, site="GZ01", screening_date=date(2026, 2, 23), now=trial.now
        )
