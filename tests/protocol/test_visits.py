"""Visits: CDISC study days (no day 0) and windows."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from psotrial.protocol import Visit


def visit(day: int, before: int, after: int, week: int | None = None) -> Visit:
    return Visit(
        code="V", name="v", epoch="E", week=week, day=day, window_before=before,
        window_after=after,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("day", "before", "after", "first", "last"),
    [
        (85, 3, 3, 82, 88),  # week 12
        (1, 0, 0, 1, 1),  # Day 1 is the first infusion
        (2, 3, 0, -2, 2),  # crossing the missing day 0: 2, 1, -1, -2
        (-1, 27, 0, -28, -1),  # screening
        (-1, 0, 2, -1, 2),  # -1, 1, 2
    ],
)
def test_visit_window_days_skip_day_zero(
    day: int, before: int, after: int, first: int, last: int
) -> None:
    assert (visit(day, before, after).first_day, visit(day, before, after).last_day) == (
        first,
        last,
    )


def test_visit_day_zero_refused() -> None:
    with pytest.raises(ValidationError, match="study day 0 does not exist"):
        visit(0, 0, 0)


def test_visit_week_must_match_day() -> None:
    with pytest.raises(ValidationError, match="week 12 targets day 85, not 84"):
        visit(84, 3, 3, week=12)
