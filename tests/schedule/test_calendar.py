from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import DataEntryError, NotFoundError
from psotrial.protocol import Protocol, load_protocol
from psotrial.schedule import (
    PlannedVisit,
    build_schedule,
    check_visit_window,
    compute_study_day,
    compute_visit_date,
)

FIRST = date(2026, 3, 2)


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol("nct03745417")


@pytest.fixture(scope="module")
def sister() -> Protocol:
    return load_protocol("nct03265613")


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 2, 2), -28),
        (date(2026, 2, 28), -2),
        (date(2026, 3, 1), -1),
        (date(2026, 3, 2), 1),
        (date(2026, 3, 3), 2),
        (date(2026, 3, 16), 15),
        (date(2026, 5, 25), 85),
    ],
)
def test_compute_study_day_has_no_day_zero(on: date, expected: int) -> None:
    assert compute_study_day(FIRST, on) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (-28, date(2026, 2, 2)),
        (-1, date(2026, 3, 1)),
        (1, date(2026, 3, 2)),
        (2, date(2026, 3, 3)),
        (85, date(2026, 5, 25)),
    ],
)
def test_compute_visit_date_inverts_study_day(day: int, expected: date) -> None:
    assert compute_visit_date(FIRST, day) == expected


def test_compute_visit_date_rejects_day_zero() -> None:
    with pytest.raises(DataEntryError, match="study day 0"):
        compute_visit_date(FIRST, 0)


@given(
    first=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    on=st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
)
def test_compute_visit_date_round_trips_any_date(first: date, on: date) -> None:
    day = compute_study_day(first, on)
    assert day != 0
    assert compute_visit_date(first, day) == on


@pytest.mark.parametrize(
    ("code", "day", "target", "earliest", "latest", "infusion"),
    [
        ("SCR", -1, date(2026, 3, 1), date(2026, 2, 2), date(2026, 3, 1), None),
        ("W0", 1, date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 2), 1),
        ("W2", 15, date(2026, 3, 16), date(2026, 3, 13), date(2026, 3, 19), 2),
        ("W4", 29, date(2026, 3, 30), date(2026, 3, 27), date(2026, 4, 2), 3),
        ("W6", 43, date(2026, 4, 13), date(2026, 4, 10), date(2026, 4, 16), 4),
        ("W8", 57, date(2026, 4, 27), date(2026, 4, 24), date(2026, 4, 30), 5),
        ("W12", 85, date(2026, 5, 25), date(2026, 5, 22), date(2026, 5, 28), None),
        ("W16", 113, date(2026, 6, 22), date(2026, 6, 19), date(2026, 6, 25), None),
        ("W20", 141, date(2026, 7, 20), date(2026, 7, 17), date(2026, 7, 23), None),
        ("W24", 169, date(2026, 8, 17), date(2026, 8, 14), date(2026, 8, 20), None),
    ],
)
def test_build_schedule_dates_each_visit(
    protocol: Protocol,
    code: str,
    day: int,
    target: date,
    earliest: date,
    latest: date,
    infusion: int | None,
) -> None:
    planned = {visit.code: visit for visit in build_schedule(protocol, FIRST)}[code]
    assert (planned.day, planned.target, planned.earliest, planned.latest, planned.infusion) == (
        day,
        target,
        earliest,
        latest,
        infusion,
    )
    assert planned.forms == protocol.visit(code).forms


def test_build_schedule_keeps_protocol_order(protocol: Protocol) -> None:
    codes = [visit.code for visit in build_schedule(protocol, FIRST)]
    assert codes == ["SCR", "W0", "W2", "W4", "W6", "W8", "W12", "W16", "W20", "W24"]


def test_build_schedule_numbers_sister_protocol_infusions(sister: Protocol) -> None:
    infusions = {
        visit.code: visit.infusion
        for visit in build_schedule(sister, FIRST, "ADMSC")
        if visit.infusion is not None
    }
    assert infusions == {"W0": 1, "W4": 2, "W8": 3}


def test_build_schedule_rejects_unknown_arm(protocol: Protocol) -> None:
    with pytest.raises(NotFoundError, match="UCMSC"):
        build_schedule(protocol, FIRST, "PLACEBO")


def test_planned_visit_to_dict_uses_iso_dates() -> None:
    visit = PlannedVisit(
        code="W12",
        name="Week 12",
        epoch="TREATMENT",
        day=85,
        target=date(2026, 5, 25),
        earliest=date(2026, 5, 22),
        latest=date(2026, 5, 28),
        infusion=None,
        forms=("pasi", "bsa"),
    )
    assert visit.to_dict() == {
        "code": "W12",
        "name": "Week 12",
        "epoch": "TREATMENT",
        "day": 85,
        "target": "2026-05-25",
        "earliest": "2026-05-22",
        "latest": "2026-05-28",
        "infusion": None,
        "forms": ["pasi", "bsa"],
    }


@pytest.mark.parametrize(
    ("code", "actual", "study_day", "in_window", "days_from_target"),
    [
        ("W12", date(2026, 5, 21), 81, False, -4),
        ("W12", date(2026, 5, 22), 82, True, -3),
        ("W12", date(2026, 5, 25), 85, True, 0),
        ("W12", date(2026, 5, 28), 88, True, 3),
        ("W12", date(2026, 5, 29), 89, False, 4),
        ("W0", date(2026, 3, 2), 1, True, 0),
        ("W0", date(2026, 3, 3), 2, False, 1),
        ("SCR", date(2026, 2, 1), -29, False, -28),
        ("SCR", date(2026, 2, 2), -28, True, -27),
        ("SCR", date(2026, 3, 1), -1, True, 0),
        ("SCR", date(2026, 3, 2), 1, False, 1),
    ],
)
def test_check_visit_window_boundaries(
    protocol: Protocol,
    code: str,
    actual: date,
    study_day: int,
    in_window: bool,
    days_from_target: int,
) -> None:
    check = check_visit_window(protocol, FIRST, code, actual)
    assert (check.visit, check.study_day, check.in_window, check.days_from_target) == (
        code,
        study_day,
        in_window,
        days_from_target,
    )


@pytest.mark.parametrize(
    ("actual", "reason"),
    [
        (
            date(2026, 5, 21),
            "W12 on 2026-05-21 (day 81) is 1 day before its window 2026-05-22..2026-05-28"
            " (days 82..88)",
        ),
        (
            date(2026, 5, 30),
            "W12 on 2026-05-30 (day 90) is 2 days after its window 2026-05-22..2026-05-28"
            " (days 82..88)",
        ),
        (
            date(2026, 5, 25),
            "W12 on 2026-05-25 (day 85) is on target, inside its window 2026-05-22..2026-05-28"
            " (days 82..88)",
        ),
        (
            date(2026, 5, 24),
            "W12 on 2026-05-24 (day 84) is 1 day early, inside its window"
            " 2026-05-22..2026-05-28 (days 82..88)",
        ),
    ],
)
def test_check_visit_window_explains_reason(protocol: Protocol, actual: date, reason: str) -> None:
    assert check_visit_window(protocol, FIRST, "W12", actual).reason == reason


def test_check_visit_window_to_dict_uses_iso_dates(protocol: Protocol) -> None:
    data = check_visit_window(protocol, FIRST, "W12", date(2026, 5, 29)).to_dict()
    assert {key: data[key] for key in ("visit", "actual", "earliest", "latest", "in_window")} == {
        "visit": "W12",
        "actual": "2026-05-29",
        "earliest": "2026-05-22",
        "latest": "2026-05-28",
        "in_window": False,
    }


def test_check_visit_window_rejects_unknown_visit(protocol: Protocol) -> None:
    with pytest.raises(NotFoundError, match="W13"):
        check_visit_window(protocol, FIRST, "W13", date(2026, 6, 1))
