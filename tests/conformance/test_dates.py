"""ISO 8601 ``--DTC`` recognition and the SDTM study day (SDTMIG 3.4 section 4.4)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.conformance.dates import complete_date, is_iso8601_dtc, study_day

# SDTMIG 3.4 section 4.4.2-4.4.4 examples, and values a careless builder would write.
DTC_EXAMPLES = [
    ("2003-12-15T13:14:17", True),
    ("2003-12-15T13:14:17.123", True),
    ("2003-12-15T13:14", True),
    ("2003-12-15T13", True),
    ("2003-12-15", True),
    ("2003-12", True),
    ("2003", True),
    ("2003---15", True),  # unknown month
    ("--12-15", True),  # unknown year
    ("-----T07:15", True),  # unknown date, known time
    ("2003-12-15T-:15", True),  # unknown hour
    ("2003-12-15T13:14:17Z", True),
    ("2003-12-15T13:14+08:00", True),
    ("2003-12-15 13:14", False),  # a space, not T
    ("2003-12-15T", False),
    ("2003-12-", False),  # padding instead of truncation
    ("2003-12-15T13:", False),
    ("2003-13-01", False),
    ("2003-02-29", False),
    ("2004-02-29", True),
    ("2003-12-15T24:00", False),
    ("2003-12-15T13:60", False),
    ("2003-12-15T13:14:60", False),
    ("2003-1-5", False),
    ("15/12/2003", False),
    ("2003-UN-UN", False),
    ("UNK", False),
    ("", False),
    ("P2W", False),  # a duration belongs in --DUR
]


@pytest.mark.parametrize(("value", "valid"), DTC_EXAMPLES)
def test_is_iso8601_dtc_examples(value: str, valid: bool) -> None:
    assert is_iso8601_dtc(value) is valid


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)),
       st.sampled_from([4, 7, 10, 13, 16, 19]))  # fmt: skip
def test_is_iso8601_dtc_accepts_every_right_truncation(when: datetime, width: int) -> None:
    assert is_iso8601_dtc(when.isoformat(timespec="seconds")[:width])


@pytest.mark.parametrize(
    ("day", "reference", "expected"),
    [
        (date(2026, 3, 2), date(2026, 3, 2), 1),
        (date(2026, 3, 3), date(2026, 3, 2), 2),
        (date(2026, 3, 1), date(2026, 3, 2), -1),
        (date(2026, 2, 20), date(2026, 3, 2), -10),
        (date(2026, 5, 25), date(2026, 3, 2), 85),  # week 12 target: 2 March + 84 days
    ],
)
def test_study_day_has_no_day_zero(day: date, reference: date, expected: int) -> None:
    assert study_day(day, reference) == expected


@given(st.dates(), st.dates())
def test_study_day_is_never_zero(day: date, reference: date) -> None:
    assert study_day(day, reference) != 0


def test_complete_date_needs_year_month_and_day() -> None:
    assert complete_date("2026-03-02T10:30") == date(2026, 3, 2)
    assert complete_date("2026-03") is None
    assert complete_date("2026---02") is None
    assert complete_date(None) is None
