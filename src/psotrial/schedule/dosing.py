"""Dosing: cells per infusion from body weight, and the planned-vs-actual deviation check.

Dose = the arm's cells/kg x the participant's most recent weight on or before the infusion
date (architecture.md). Weights are exact ``Decimal`` values; cells are whole numbers,
rounded half up; the deviation flag is decided on integers, never on a rounded percent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from psotrial.errors import DataEntryError, FieldError, ResponseOutOfRangeError
from psotrial.exact import round_half_up, to_decimal
from psotrial.protocol import Protocol

__all__ = [
    "DoseCheck",
    "DosePlan",
    "check_dose",
    "compute_dose",
    "plan_dose",
    "select_dosing_weight",
]

_MAX_WEIGHT_KG = Decimal(500)
"""Heaviest body weight accepted for dosing; anything above is taken as an entry error."""


def compute_dose(weight_kg: object, cells_per_kg: int) -> int:
    """Cells for one infusion: ``weight_kg`` x ``cells_per_kg``, rounded half up to a cell.

    Args:
        weight_kg: body weight in kg, above 0 and at most 500 (int, float, Decimal or str).
        cells_per_kg: the arm's dose per kilogram.

    Raises:
        FieldError: the weight is not a number or outside (0, 500] kg; or ``cells_per_kg``
            is not a positive integer.

    Example:
        >>> compute_dose("61.5", 2_000_000)
        123000000
        >>> compute_dose(60, 2_000_000)
        120000000
    """
    weight = _read_weight(weight_kg)
    if isinstance(cells_per_kg, bool) or not isinstance(cells_per_kg, int) or cells_per_kg <= 0:
        raise FieldError("cells_per_kg", f"expected a positive integer, got {cells_per_kg!r}")
    return int(round_half_up(Fraction(weight) * cells_per_kg, 0))


def select_dosing_weight(weights: Sequence[tuple[date, object]], on: date) -> Decimal:
    """The most recent weight recorded on or before ``on`` (the infusion date).

    ``weights`` are ``(date, weight_kg)`` pairs in any order; a ``None`` weight is a
    missing measurement and is skipped. When several weights share the latest date, the
    last one given wins (a later entry corrects an earlier one).

    Raises:
        DataEntryError: no weight was recorded on or before ``on``.
        FieldError: the selected weight is not a number or outside (0, 500] kg.

    Example:
        >>> weights = [(date(2026, 2, 20), "62.0"), (date(2026, 3, 2), "61.5"),
        ...            (date(2026, 3, 16), "60.8")]
        >>> select_dosing_weight(weights, date(2026, 3, 15))
        Decimal('61.5')
    """
    chosen: tuple[date, object] | None = None
    for measured_on, weight in weights:
        if weight is None or measured_on > on:
            continue
        if chosen is None or measured_on >= chosen[0]:
            chosen = (measured_on, weight)
    if chosen is None:
        raise DataEntryError(f"weight_kg: no weight recorded on or before {on.isoformat()}")
    return _read_weight(chosen[1])


@dataclass(frozen=True)
class DoseCheck:
    """Actual vs planned cells of one infusion.

    ``deviation_pct`` is (actual - planned) / planned x 100 rounded half up to 2 places,
    for display only; ``deviation`` is decided exactly on the cell counts.
    """

    planned_cells: int
    actual_cells: int
    deviation_pct: Decimal
    deviation: bool
    reason: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping; the percent stays an exact Decimal."""
        return {
            "planned_cells": self.planned_cells,
            "actual_cells": self.actual_cells,
            "deviation_pct": self.deviation_pct,
            "deviation": self.deviation,
            "reason": self.reason,
        }


def check_dose(planned_cells: int, actual_cells: int, deviation_pct: int) -> DoseCheck:
    """Flag an infusion whose actual cells differ from the planned by more than the limit.

    Over ``deviation_pct`` percent is a deviation; exactly ``deviation_pct`` is not
    (``100 * |actual - planned| > deviation_pct * planned``, on integers).

    Args:
        planned_cells: cells planned for the infusion (positive).
        actual_cells: cells given (0 or more).
        deviation_pct: the protocol's limit in percent (``Dosing.deviation_pct``).

    Raises:
        FieldError: a count is not an integer, ``planned_cells`` is not positive,
            ``actual_cells`` is negative, or the limit is outside 0-100.

    Example:
        >>> check_dose(123_000_000, 135_300_000, 10).deviation
        False
        >>> check_dose(123_000_000, 135_300_001, 10).deviation
        True
    """
    _require_int(planned_cells, "planned_cells", low=1)
    _require_int(actual_cells, "actual_cells", low=0)
    _require_int(deviation_pct, "deviation_pct", low=0, high=100)
    difference = actual_cells - planned_cells
    shown = round_half_up(Fraction(100 * difference, planned_cells), 2)
    deviation = 100 * abs(difference) > deviation_pct * planned_cells
    verdict = "over" if deviation else "within"
    reason = (
        f"actual {actual_cells:,} cells vs planned {planned_cells:,}: {shown:+}%, "
        f"{verdict} the {deviation_pct}% limit"
    )
    return DoseCheck(planned_cells, actual_cells, shown, deviation, reason)


@dataclass(frozen=True)
class DosePlan:
    """The cells a participant is planned to receive at each infusion visit of the arm."""

    weight_kg: Decimal
    cells_per_kg: int
    cells_per_infusion: int
    infusions: tuple[str, ...]
    total_cells: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping; the weight stays an exact Decimal."""
        return {
            "weight_kg": self.weight_kg,
            "cells_per_kg": self.cells_per_kg,
            "cells_per_infusion": self.cells_per_infusion,
            "infusions": list(self.infusions),
            "total_cells": self.total_cells,
        }


def plan_dose(protocol: Protocol, weight_kg: object, arm_code: str | None = None) -> DosePlan:
    """The dose per infusion and in total for one weight, on the arm's infusion visits.

    Every infusion is planned at the same weight here; when the weight changes, plan each
    infusion with :func:`select_dosing_weight` and :func:`compute_dose`.

    Raises:
        NotFoundError: ``arm_code`` names no arm (or is omitted with several arms).
        FieldError: the weight is not a number or outside (0, 500] kg.

    Example:
        >>> from psotrial.protocol import load_protocol
        >>> plan = plan_dose(load_protocol("nct03265613"), 60)
        >>> plan.cells_per_infusion, plan.infusions, plan.total_cells
        (30000000, ('W0', 'W4', 'W8'), 90000000)
    """
    arm = protocol.arm(arm_code)
    weight = _read_weight(weight_kg)
    cells_per_kg = arm.dosing.cells_per_kg
    cells = compute_dose(weight, cells_per_kg)
    return DosePlan(
        weight_kg=weight,
        cells_per_kg=cells_per_kg,
        cells_per_infusion=cells,
        infusions=arm.infusion_visits,
        total_cells=cells * len(arm.infusion_visits),
    )


def _read_weight(value: object) -> Decimal:
    """An exact weight in (0, 500] kg, or a FieldError naming the range."""
    try:
        weight = to_decimal(value, "weight_kg")
    except ResponseOutOfRangeError as exc:
        # A weight is data entry, not an instrument response: keep one error class for it.
        raise FieldError("weight_kg", exc.msg) from None
    if not 0 < weight <= _MAX_WEIGHT_KG:
        raise FieldError(
            "weight_kg", f"expected a weight above 0 and at most {_MAX_WEIGHT_KG} kg, got {value!r}"
        )
    return weight


def _require_int(value: int, field: str, *, low: int, high: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(field, f"expected a whole number, got {value!r}")
    if value < low or (high is not None and value > high):
        allowed = f"{low}-{high}" if high is not None else f"{low} or more"
        raise FieldError(field, f"expected {allowed}, got {value!r}")
