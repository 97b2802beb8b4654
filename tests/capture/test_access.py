"""Visibility: each role sees its sites; another site's participant is not found."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from psotrial.capture.access import (
    can_see_site,
    check_may_change,
    find_participant,
    visible_site_codes,
)
from psotrial.capture.actors import SYSTEM, Actor
from psotrial.capture.participants import register_candidate
from psotrial.capture.sites import add_site
from psotrial.errors import NotFoundError, PermissionDenied

GZ01 = frozenset({"GZ01"})


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("coordinator", GZ01),
        ("investigator", GZ01),
        ("monitor", None),
        ("data_manager", None),
        ("statistician", None),
        ("admin", None),
        ("system", None),
    ],
)
def test_visible_site_codes_by_role(role: str, expected: frozenset[str] | None) -> None:
    assert visible_site_codes(Actor("someone", role, GZ01)) == expected


def test_visible_site_codes_site_role_without_sites_sees_none() -> None:
    actor = Actor("new", "coordinator")
    assert visible_site_codes(actor) == frozenset()
    assert not can_see_site(actor, "GZ01")


def two_sites(trial: Any, session: Any) -> tuple[Any, Any]:
    """A candidate at GZ01 and one at GZ02."""
    add_site(session, actor=SYSTEM, code="GZ02", name="Second (synthetic)", timezone="UTC")
    own = trial.screen(session)
    other = register_candidate(
        session, actor=SYSTEM, site="GZ02", screening_date=date(2026, 2, 24), now=trial.now
    )
    return own, other


def test_find_participant_by_code_or_screening_number(trial: Any) -> None:
    with trial.session() as session:
        add_site(session, actor=SYSTEM, code="GZ02", name="Second (synthetic)", timezone="UTC")
        enrolled = trial.enrolled(session)
        coordinator = trial.actors["coordinator"]
        assert find_participant(session, coordinator, "GZ01-001") is enrolled
        assert find_participant(session, coordinator, "GZ01-S001") is enrolled


def test_find_participant_other_site_looks_unknown(trial: Any) -> None:
    with trial.session() as session:
        _, other = two_sites(trial, session)
        coordinator = trial.actors["coordinator"]
        with pytest.raises(NotFoundError) as hidden:
            find_participant(session, coordinator, other.screening_number)
        with pytest.raises(NotFoundError) as unknown:
            find_participant(session, coordinator, "GZ02-S999")
        # The same message shape: nothing tells an existing participant from a missing one.
        assert str(hidden.value) == str(unknown.value).replace("GZ02-S999", "GZ02-S001")
        assert "expected one of" not in str(hidden.value)
        for role in ("monitor", "data_manager", "statistician"):
            assert find_participant(session, trial.actors[role], "GZ02-S001") is other


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        ("coordinator", "enter_data", True),
        ("investigator", "enrol", True),
        ("coordinator", "enrol", False),
        ("statistician", "enter_data", False),
        ("monitor", "verify", True),
        ("monitor", "enter_data", False),
        ("data_manager", "lock", True),
    ],
)
def test_check_may_change_by_role(trial: Any, role: str, permission: str, allowed: bool) -> None:
    with trial.session() as session:
        participant = trial.screen(session)
        actor = trial.actors[role]
        if allowed:
            check_may_change(actor, participant, permission)
        else:
            with pytest.raises(PermissionDenied, match=role):
                check_may_change(actor, participant, permission)


def test_check_may_change_other_site_refused(trial: Any) -> None:
    with trial.session() as session:
        _, other = two_sites(trial, session)
        with pytest.raises(PermissionDenied, match="does not work at site GZ02"):
            check_may_change(trial.actors["coordinator"], other, "enter_data")


def test_find_participant_for_update_locks_on_both_backends(trial: Any) -> None:
    with trial.session() as session:
        trial.screen(session)
    with trial.session() as session:
        locked = find_participant(
            session, trial.actors["coordinator"], "GZ01-S001", for_update=True
        )
        assert (locked.screening_number, locked.site.code) == ("GZ01-S001", "GZ01")
