"""Report numbers round half away from zero (clinical convention), never half to even."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.reports.display import format_ci, format_number, format_p, format_pct, format_range


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (47.25, 1, "47.3"),  # half to even would give 47.2
        (-47.25, 1, "-47.3"),
        (0.125, 2, "0.13"),
        (2.5, 0, "3"),
        (-2.5, 0, "-3"),
        (1.005, 2, "1.01"),  # the float 1.005 is 1.00499..., its decimal reading is 1.005
        (-0.04, 1, "0.0"),  # never "-0.0"
        (7, 1, "7.0"),
        (Decimal("66.665"), 2, "66.67"),
        (None, 1, "–"),
        (float("nan"), 1, "–"),
    ],
)
def test_format_number_rounds_half_away_from_zero(
    value: object, places: int, expected: str
) -> None:
    assert format_number(value, places) == expected  # type: ignore[arg-type]


def test_format_pct_ci_range_p() -> None:
    assert format_pct(0.08625) == "8.6"
    assert format_pct(0.08625, 2) == "8.63"
    assert format_ci(0.02455, 0.5, scale=100) == "(2.5, 50.0)"
    assert format_ci(-1.25, 3.75) == "(-1.3, 3.8)"
    assert format_range(0.05, 10.45) == "0.1 to 10.5"
    assert format_p(0.0005) == "< 0.001"
    assert format_p(0.0125) == "0.013"


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_format_number_of_a_half_goes_away_from_zero(tenths: int) -> None:
    value = Decimal(tenths) / 10 + Decimal("0.05") * (1 if tenths >= 0 else -1)
    rounded = Decimal(format_number(value, 1))
    assert abs(rounded) > abs(value)
    assert abs(rounded - value) == Decimal("0.05")
