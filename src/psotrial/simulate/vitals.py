"""Synthetic body measures: height, a body weight that drifts slightly, vital signs.

Adult Chinese body weights (~50-85 kg; domain.md §9.1 suggests 60-75 kg as typical) and
heights by sex; vital signs from the normal adult range, taken before any infusion.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

__all__ = ["draw_height", "draw_vital_signs", "draw_weight", "drift_weight", "round_decimal"]

_WEIGHT_KG = {"M": (70.0, 8.0), "F": (58.0, 7.0)}
_HEIGHT_CM = {"M": (170.0, 6.0), "F": (159.0, 5.5)}
_WEIGHT_RANGE = (50.0, 85.0)


def round_decimal(value: float, places: int) -> Decimal:
    """``value`` rounded to ``places`` decimals as an exact Decimal (``61.54, 1 -> 61.5``)."""
    return Decimal(round(value * 10**places)).scaleb(-places)


def draw_weight(rng: random.Random, sex: str) -> float:
    """A baseline body weight in kg, 50-85."""
    mean, sd = _WEIGHT_KG[sex]
    return min(max(rng.gauss(mean, sd), _WEIGHT_RANGE[0]), _WEIGHT_RANGE[1])


def drift_weight(rng: random.Random, weight: float) -> float:
    """The weight at the next visit: a small random walk (SD 0.5 kg per visit)."""
    low, high = _WEIGHT_RANGE
    return min(max(weight + rng.gauss(0.0, 0.5), low - 3.0), high + 3.0)


def draw_height(rng: random.Random, sex: str) -> Decimal:
    """A height in cm (1 decimal)."""
    mean, sd = _HEIGHT_CM[sex]
    return round_decimal(rng.gauss(mean, sd), 1)


def draw_vital_signs(rng: random.Random, weight: float) -> dict[str, Any]:
    """The ``vital_signs`` form: weight, blood pressure, heart rate and temperature."""
    systolic = round(min(max(rng.gauss(122, 11), 95), 165))
    diastolic = round(min(max(rng.gauss(78, 7), 58), min(systolic - 25, 100)))
    return {
        "weight_kg": round_decimal(weight, 1),
        "systolic_bp": systolic,
        "diastolic_bp": diastolic,
        "heart_rate": round(min(max(rng.gauss(74, 8), 52), 110)),
        "temperature_c": round_decimal(rng.uniform(36.1, 37.2), 1),
    }
