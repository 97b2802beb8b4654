"""Synthetic laboratory panels in the protocol's units and reference ranges.

Values are drawn inside the inner 80% of each test's reference range, quoted to the
precision the protocol uses for that test (its range limits and example), with occasional
mild excursions past a limit (CTCAE grade 1 territory; domain.md §9.4 "Lab draws normal with
occasional G1 excursions"). Screening panels of candidates meant to be eligible are drawn
without excursions so that only the criterion under test can exclude them.
"""

from __future__ import annotations

import random
from typing import Any

from psotrial.protocol import FormSpec, LabTestSpec
from psotrial.simulate.vitals import round_decimal

__all__ = ["draw_lab_panel", "lab_places", "lab_result"]


def lab_places(test: LabTestSpec) -> int:
    """Decimal places the protocol quotes for ``test`` (its limits and example).

    Example:
        >>> from psotrial.protocol import load_protocol
        >>> panel = load_protocol("nct03745417").form("labs")
        >>> {test.code: lab_places(test) for test in panel.lab_tests if lab_places(test)}
        {'WBC': 1, 'CYSC': 2, 'CA': 2}
    """
    places = 0
    for number in (test.lln, test.uln, test.example):
        if number is not None:
            exponent = number.as_tuple().exponent
            if isinstance(exponent, int):
                places = max(places, -exponent)
    return places


def lab_result(test: LabTestSpec, value: float) -> dict[str, Any]:
    """One result as the form stores it: value (rounded, >= 0), unit, lln, uln."""
    places = lab_places(test)
    return {
        "value": round_decimal(max(value, 0.0), places),
        "unit": test.unit,
        "lln": test.lln,
        "uln": test.uln,
    }


def draw_lab_panel(
    rng: random.Random, form: FormSpec, *, excursion_rate: float = 0.0
) -> dict[str, dict[str, Any]]:
    """Every test of the lab form, each an excursion with probability ``excursion_rate``."""
    return {
        test.code: lab_result(test, _draw_value(rng, test, excursion_rate))
        for test in form.lab_tests
    }


def _draw_value(rng: random.Random, test: LabTestSpec, excursion_rate: float) -> float:
    example = float(test.example)
    low = float(test.lln) if test.lln is not None else example * 0.8
    high = float(test.uln) if test.uln is not None else example * 1.2
    if rng.random() < excursion_rate:
        if test.uln is not None and (test.lln is None or rng.random() < 0.6):
            return high + (high - low) * rng.uniform(0.05, 0.3)
        return low * rng.uniform(0.85, 0.97)
    margin = (high - low) * 0.1
    return rng.triangular(low + margin, high - margin, (low + high) / 2)
