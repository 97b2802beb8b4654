"""Synthetic skin: PASI region signs and areas that agree with the palm-method BSA.

A participant's skin is a latent state: per PASI region, the % of the region involved and
three continuous sign intensities (0-4). An examination scales that state by a severity
factor (1 = baseline; area and signs each take its square root, so PASI moves roughly in
proportion) and rounds it onto the form's lattice: signs to integers, involvement to the
region's half-palm grid. The grid step is the smallest multiple of half a palm whose share
of the region is a terminating decimal (head 5%, upper limbs 2.5%, trunk 5% = 1.5 palms,
lower limbs 1.25%), so the PASI ``area_pct`` is *exactly* the involvement the BSA palms give
(palms = involvement% x regional maximum / 100) and both instruments score the same area.

Rounding is stochastic; of a few rounded candidates the one whose PASI is closest to the
target is kept, so the recorded PASI follows the trajectory without a bias from the lattice.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from psotrial.instruments.bsa import PALM_PCT, REGION_MAX_PCT
from psotrial.instruments.pasi import REGION_WEIGHTS, REGIONS, SIGNS, compute_area_score

__all__ = ["SkinExam", "SkinState", "draw_skin", "examine_skin", "involvement_step"]

_TRIES = 8


def involvement_step(region: str) -> Fraction:
    """The region's involvement grid in % of the region: half palms, terminating decimals.

    Example:
        >>> [str(involvement_step(region)) for region in REGIONS]
        ['5', '5/2', '5', '5/4']
    """
    half_palm = Fraction(1, 2) * Fraction(PALM_PCT)
    maximum = REGION_MAX_PCT[region]
    for halves in range(1, 2 * maximum + 1):
        step = halves * half_palm * 100 / maximum
        if _terminates(step):
            return step
    raise ValueError(f"no half-palm grid for {region}")  # pragma: no cover


@dataclass(frozen=True)
class SkinState:
    """Latent skin: % of each region involved and its three sign intensities (0-4)."""

    involvement: Mapping[str, float]
    signs: Mapping[str, tuple[float, float, float]]


@dataclass(frozen=True)
class SkinExam:
    """One examination: the ``pasi`` and ``bsa`` form data, with PASI x 10 and BSA %."""

    pasi: dict[str, Any]
    bsa: dict[str, Any]
    tenths: int
    bsa_pct: Decimal


def draw_skin(rng: random.Random, *, mild: bool = False) -> SkinState:
    """A latent skin state: moderate-to-severe plaque psoriasis, or ``mild`` disease.

    Moderate-to-severe: overall extent lognormal with median 26% of each region and a mean
    sign intensity 1.5-3.1, so PASI has a median near 15 and BSA near 25% (domain.md §9.1).
    Mild: 1.5-5% extent and intensity 0.8-1.6 (PASI <= 7 and BSA <= 10% for most draws).
    """
    extent = rng.uniform(1.5, 5.0) if mild else 26.0 * rng.lognormvariate(0.0, 0.45)
    severity = rng.uniform(0.8, 1.6) if mild else rng.uniform(1.5, 3.1)
    clear = {region for region in REGIONS if rng.random() < 0.12}
    if len(clear) > 2:
        clear = set(sorted(clear)[:2])
    involvement: dict[str, float] = {}
    signs: dict[str, tuple[float, float, float]] = {}
    for region in REGIONS:
        share = 0.0 if region in clear else extent * rng.lognormvariate(0.0, 0.5)
        involvement[region] = min(share, 95.0)
        erythema, induration, desquamation = (
            min(max(severity + rng.gauss(0.0, 0.45) + shift, 0.3), 4.0)
            for shift in (0.15, -0.15, 0.0)
        )
        signs[region] = (erythema, induration, desquamation)
    return SkinState(MappingProxyType(involvement), MappingProxyType(signs))


def examine_skin(rng: random.Random, state: SkinState, factor: float) -> SkinExam:
    """Examine ``state`` at severity ``factor`` (PASI about ``factor`` x the latent PASI)."""
    target = factor * _latent_tenths(state)
    best: tuple[int, _Rounded] | None = None
    for attempt in range(_TRIES):
        # Lattice floors (area score 1, sign 1) round small severities up; trying some
        # candidates below the target lets the closest one cancel that bias.
        jitter = 1.0 if attempt == 0 else rng.uniform(0.6, 1.1)
        rounded = _round(rng, state, factor * jitter)
        tenths = _tenths(rounded)
        if best is None or abs(tenths - target) < abs(best[0] - target):
            best = (tenths, rounded)
    assert best is not None
    return _exam(*best)


# Per region: (grid steps involved, [erythema, induration, desquamation]).
_Rounded = dict[str, tuple[int, list[int]]]


def _round(rng: random.Random, state: SkinState, factor: float) -> _Rounded:
    scale = math.sqrt(max(factor, 0.0))
    rounded: _Rounded = {}
    for region in REGIONS:
        lattice = _LATTICES[region]
        steps = min(
            _stochastic_round(rng, state.involvement[region] * scale / lattice.step),
            len(lattice.area) - 1,
        )
        signs = [
            min(_stochastic_round(rng, value * scale), 4) if steps else 0
            for value in state.signs[region]
        ]
        if steps and not any(signs):
            signs[0] = 1  # a visible lesion is at least faintly red
        rounded[region] = (steps, signs)
    return rounded


def _tenths(rounded: _Rounded) -> int:
    return sum(
        REGION_WEIGHTS[region] * sum(signs) * _LATTICES[region].area[steps]
        for region, (steps, signs) in rounded.items()
    )


def _exam(tenths: int, rounded: _Rounded) -> SkinExam:
    pasi: dict[str, Any] = {}
    bsa: dict[str, Any] = {}
    for region, (steps, signs) in rounded.items():
        lattice = _LATTICES[region]
        pasi[region] = dict(zip(SIGNS, signs, strict=True)) | {"area_pct": lattice.pct[steps]}
        bsa[region] = lattice.palms[steps]
    total = sum((_LATTICES[r].palms[steps] for r, (steps, _) in rounded.items()), Decimal(0))
    return SkinExam(pasi, bsa, tenths, total * PALM_PCT)


@dataclass(frozen=True)
class _Lattice:
    """A region's involvement grid: per number of steps, its % of region, palms, area score."""

    step: float
    pct: tuple[Decimal, ...]
    palms: tuple[Decimal, ...]
    area: tuple[int, ...]


def _lattice(region: str) -> _Lattice:
    step = involvement_step(region)
    pcts = [k * step for k in range(int(100 / step) + 1)]
    return _Lattice(
        step=float(step),
        pct=tuple(_exact(pct) for pct in pcts),
        palms=tuple(
            _exact(pct * REGION_MAX_PCT[region] / 100 / Fraction(PALM_PCT)) for pct in pcts
        ),
        area=tuple(compute_area_score(pct, region) for pct in pcts),
    )


def _latent_tenths(state: SkinState) -> float:
    total = 0.0
    for region in REGIONS:
        involvement = Fraction(min(state.involvement[region], 100.0))
        total += (
            REGION_WEIGHTS[region]
            * sum(state.signs[region])
            * compute_area_score(involvement, region)
        )
    return total


def _stochastic_round(rng: random.Random, value: float) -> int:
    low = math.floor(value)
    return low + (1 if rng.random() < value - low else 0)


def _terminates(value: Fraction) -> bool:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _exact(value: Fraction) -> Decimal:
    """A terminating fraction as its exact Decimal (``5/4`` -> ``1.25``)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


_LATTICES: Mapping[str, _Lattice] = MappingProxyType({r: _lattice(r) for r in REGIONS})
