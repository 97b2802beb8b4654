from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from psotrial.errors import DataEntryError, FieldError, NotFoundError
from psotrial.protocol import load_protocol
from psotrial.schedule import (
    DoseCheck,
    DosePlan,
    check_dose,
    compute_dose,
    plan_dose,
    select_dosing_weight,
)


@pytest.mark.parametrize(
    ("weight_kg", "cells_per_kg", "expected"),
    [
        ("61.5", 2_000_000, 123_000_000),
        (61.5, 2_000_000, 123_000_000),
        (Decimal("61.5"), 2_000_000, 123_000_000),
        (60, 2_000_000, 120_000_000),
        ("60", 500_000, 30_000_000),
        ("0.1", 3, 0),
        ("0.5", 1, 1),
        ("70.0000005", 1_000_000, 70_000_001),
        ("500", 2_000_000, 1_000_000_000),
    ],
)
def test_compute_dose_rounds_half_up_to_a_cell(
    weight_kg: object, cells_per_kg: int, expected: int
) -> None:
    assert compute_dose(weight_kg, cells_per_kg) == expected


def test_compute_dose_is_exact_beyond_decimal_precision() -> None:
    # 34 significant digits: a 28-digit Decimal context would round this up to .5 first.
    assert compute_dose("60.4999999999999999999999999999999", 1) == 60


@pytest.mark.parametrize("weight_kg", [0, "-1", "500.01", 1000, "abc", None, True, float("nan")])
def test_compute_dose_rejects_bad_weight(weight_kg: object) -> None:
    with pytest.raises(FieldError) as caught:
        compute_dose(weight_kg, 2_000_000)
    assert caught.value.field == "weight_kg"


def test_compute_dose_names_allowed_range() -> None:
    with pytest.raises(FieldError, match="above 0 and at most 500 kg"):
        compute_dose("501", 2_000_000)


@pytest.mark.parametrize("cells_per_kg", [0, -5, True])
def test_compute_dose_rejects_bad_cells_per_kg(cells_per_kg: int) -> None:
    with pytest.raises(FieldError, match="cells_per_kg"):
        compute_dose(60, cells_per_kg)


WEIGHTS = [
    (date(2026, 3, 16), "60.8"),
    (date(2026, 2, 20), "62.0"),
    (date(2026, 3, 2), "61.5"),
]


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 2, 20), Decimal("62.0")),
        (date(2026, 3, 1), Decimal("62.0")),
        (date(2026, 3, 2), Decimal("61.5")),
        (date(2026, 3, 15), Decimal("61.5")),
        (date(2026, 3, 16), Decimal("60.8")),
        (date(2026, 6, 1), Decimal("60.8")),
    ],
)
def test_select_dosing_weight_picks_latest_on_or_before(on: date, expected: Decimal) -> None:
    assert select_dosing_weight(WEIGHTS, on) == expected


def test_select_dosing_weight_skips_missing_weights() -> None:
    weights = [(date(2026, 2, 20), "62.0"), (date(2026, 3, 2), None)]
    assert select_dosing_weight(weights, date(2026, 3, 2)) == Decimal("62.0")


def test_select_dosing_weight_takes_last_given_on_same_date() -> None:
    weights = [(date(2026, 3, 2), "61.5"), (date(2026, 3, 2), "61.7")]
    assert select_dosing_weight(weights, date(2026, 3, 2)) == Decimal("61.7")


@pytest.mark.parametrize(
    "weights",
    [[], [(date(2026, 3, 3), "61.5")], [(date(2026, 3, 1), None)]],
)
def test_select_dosing_weight_requires_a_prior_weight(weights: list[tuple[date, object]]) -> None:
    with pytest.raises(DataEntryError, match="no weight recorded on or before 2026-03-02"):
        select_dosing_weight(weights, date(2026, 3, 2))


def test_select_dosing_weight_rejects_implausible_weight() -> None:
    with pytest.raises(FieldError, match="weight_kg"):
        select_dosing_weight([(date(2026, 3, 1), "615")], date(2026, 3, 2))


@pytest.mark.parametrize(
    ("planned", "actual", "deviation_pct", "deviation"),
    [
        (123_000_000, 123_000_000, Decimal("0.00"), False),
        (123_000_000, 135_300_000, Decimal("10.00"), False),
        (123_000_000, 135_300_001, Decimal("10.00"), True),
        (123_000_000, 110_700_000, Decimal("-10.00"), False),
        (123_000_000, 110_699_999, Decimal("-10.00"), True),
        (120_000_000, 100_000_000, Decimal("-16.67"), True),
        (120_000_000, 0, Decimal("-100.00"), True),
        (3, 4, Decimal("33.33"), True),
        (200, 201, Decimal("0.50"), False),
    ],
)
def test_check_dose_flags_over_limit_exactly(
    planned: int, actual: int, deviation_pct: Decimal, deviation: bool
) -> None:
    check = check_dose(planned, actual, 10)
    assert (check.deviation_pct, check.deviation) == (deviation_pct, deviation)


def test_check_dose_explains_reason() -> None:
    check = check_dose(123_000_000, 135_300_001, 10)
    assert check.reason == (
        "actual 135,300,001 cells vs planned 123,000,000: +10.00%, over the 10% limit"
    )


def test_check_dose_to_dict_keeps_percent_exact() -> None:
    assert check_dose(120_000_000, 100_000_000, 10).to_dict() == {
        "planned_cells": 120_000_000,
        "actual_cells": 100_000_000,
        "deviation_pct": Decimal("-16.67"),
        "deviation": True,
        "reason": "actual 100,000,000 cells vs planned 120,000,000: -16.67%, over the 10% limit",
    }


@pytest.mark.parametrize(
    ("planned", "actual", "limit", "field"),
    [
        (0, 10, 10, "planned_cells"),
        (10, -1, 10, "actual_cells"),
        (10, 10, 101, "deviation_pct"),
        (10, 10, -1, "deviation_pct"),
    ],
)
def test_check_dose_rejects_bad_input(planned: int, actual: int, limit: int, field: str) -> None:
    with pytest.raises(FieldError) as caught:
        check_dose(planned, actual, limit)
    assert caught.value.field == field


def test_plan_dose_uses_arm_infusions() -> None:
    plan = plan_dose(load_protocol("nct03745417"), "61.5")
    assert plan == DosePlan(
        weight_kg=Decimal("61.5"),
        cells_per_kg=2_000_000,
        cells_per_infusion=123_000_000,
        infusions=("W0", "W2", "W4", "W6", "W8"),
        total_cells=615_000_000,
    )


def test_plan_dose_sister_protocol_three_infusions() -> None:
    plan = plan_dose(load_protocol("nct03265613"), 60, "ADMSC")
    assert plan.to_dict() == {
        "weight_kg": Decimal("60"),
        "cells_per_kg": 500_000,
        "cells_per_infusion": 30_000_000,
        "infusions": ["W0", "W4", "W8"],
        "total_cells": 90_000_000,
    }


def test_plan_dose_rejects_unknown_arm() -> None:
    with pytest.raises(NotFoundError, match="arm"):
        plan_dose(load_protocol("nct03745417"), 60, "PLACEBO")


def test_dose_check_is_frozen() -> None:
    check = check_dose(10, 10, 10)
    assert isinstance(check, DoseCheck)
    with pytest.raises(AttributeError):
        check.deviation = True  # type: ignore[misc]
