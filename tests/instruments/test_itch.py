"""Tests for psotrial.instruments.itch; bands are Reich 2012 (domain.md §4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import IncompleteResponsesError, ResponseOutOfRangeError, ScoringError
from psotrial.instruments.itch import compute_itch, compute_itch_mcid


@pytest.mark.parametrize(
    ("vas_mm", "vas_cm", "band"),
    [
        (0, Decimal("0.0"), "none"),
        (1, Decimal("0.1"), "mild"),
        (39, Decimal("3.9"), "mild"),
        (40, Decimal("4.0"), "moderate"),
        (69, Decimal("6.9"), "moderate"),
        (70, Decimal("7.0"), "severe"),
        (89, Decimal("8.9"), "severe"),
        (90, Decimal("9.0"), "very severe"),
        (100, Decimal("10.0"), "very severe"),
        (45.0, Decimal("4.5"), "moderate"),
        ("53", Decimal("5.3"), "moderate"),
    ],
)
def test_compute_itch_reich_2012_bands(vas_mm: object, vas_cm: Decimal, band: str) -> None:
    result = compute_itch(vas_mm)
    assert result.vas_cm == vas_cm
    assert str(result.vas_cm) == str(vas_cm)
    assert result.band == band


def test_compute_itch_to_dict() -> None:
    assert compute_itch(72).to_dict() == {
        "vas_mm": 72,
        "vas_cm": Decimal("7.2"),
        "band": "severe",
    }


@pytest.mark.parametrize(
    ("vas_mm", "error", "message"),
    [
        (None, IncompleteResponsesError, "missing"),
        (-1, ResponseOutOfRangeError, "0-100"),
        (101, ResponseOutOfRangeError, "0-100"),
        (45.5, ResponseOutOfRangeError, "0-100"),
        ("severe", ResponseOutOfRangeError, "number"),
        (True, ResponseOutOfRangeError, "number"),
    ],
)
def test_compute_itch_malformed_input_names_field(
    vas_mm: object, error: type[ScoringError], message: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        compute_itch(vas_mm)
    assert caught.value.field == "vas_mm"


@pytest.mark.parametrize(
    ("baseline_mm", "value_mm", "mcid_mm", "improved"),
    [
        (60, 50, 10, True),
        (60, 51, 10, False),
        (60, 70, 10, False),
        (60, 0, 10, True),
        (60, 55, 5, True),
    ],
)
def test_compute_itch_mcid_change_of_at_least_mcid(
    baseline_mm: int, value_mm: int, mcid_mm: int, improved: bool
) -> None:
    assert compute_itch_mcid(baseline_mm, value_mm, mcid_mm) is improved


@pytest.mark.parametrize(
    ("args", "field"),
    [((None, 50), "baseline_mm"), ((60, 101), "value_mm"), ((60, 50, 0), "mcid_mm")],
)
def test_compute_itch_mcid_malformed_input_names_field(
    args: tuple[object, ...], field: str
) -> None:
    with pytest.raises(ScoringError) as caught:
        compute_itch_mcid(*args)  # type: ignore[arg-type]
    assert caught.value.field == field


@given(st.integers(0, 100), st.integers(0, 100))
def test_compute_itch_band_monotone_in_mm(low: int, high: int) -> None:
    order = ["none", "mild", "moderate", "severe", "very severe"]
    low, high = min(low, high), max(low, high)
    assert order.index(compute_itch(low).band) <= order.index(compute_itch(high).band)
    assert compute_itch(low).vas_cm * 10 == low
