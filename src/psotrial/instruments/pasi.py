"""PASI (Psoriasis Area and Severity Index), computed exactly in integer tenths.

Source: Fredriksson T, Pettersson U. Dermatologica 1978;157:238-44; region weights, sign scale
and the half-open area bands as in the Annals of the Rheumatic Diseases table "Elements of the
PASI" (domain.md §1.1, implementation rules §1.2).

PASI x 10 = 1*S_H*A_H + 2*S_U*A_U + 3*S_T*A_T + 4*S_L*A_L, where S is the sum of erythema,
induration and desquamation (each 0-4) and A is the area score (0-6). The result is an
integer 0-720, so every PASI is exact on the 0.1 lattice; naive floats give
``0.1*3*1 + 0.2*3*1 == 0.9000000000000001``.

Missing-data rule: PASI has none. All four regions, all three signs and exactly one of
``area_pct`` / ``area`` per region are required; an absent value raises
:class:`IncompleteResponsesError`. Inconsistent but scorable regions (area 0 with signs, or
signs all 0 with area) are scored as the formula gives and reported in ``warnings``.

Example:
    >>> one = {"erythema": 1, "induration": 1, "desquamation": 1, "area": 1}
    >>> none = {"erythema": 0, "induration": 0, "desquamation": 0, "area": 0}
    >>> compute_pasi({"head": one, "upper_limbs": one, "trunk": none, "lower_limbs": none}).pasi
    Decimal('0.9')
    >>> compute_area_score(Decimal("9.99")), compute_area_score(Decimal(10))
    (1, 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from psotrial.errors import IncompleteResponsesError, ResponseOutOfRangeError
from psotrial.exact import to_decimal, to_int

__all__ = [
    "REGIONS",
    "REGION_WEIGHTS",
    "SIGNS",
    "PasiResult",
    "RegionScore",
    "compute_area_score",
    "compute_pasi",
]

REGIONS = ("head", "upper_limbs", "trunk", "lower_limbs")
# Weights 0.1/0.2/0.3/0.4 held in tenths so the whole sum stays an integer.
REGION_WEIGHTS: Mapping[str, int] = MappingProxyType(
    {"head": 1, "upper_limbs": 2, "trunk": 3, "lower_limbs": 4}
)
SIGNS = ("erythema", "induration", "desquamation")
_AREA_KEYS = ("area_pct", "area")
_REGION_KEYS = (*SIGNS, *_AREA_KEYS)
# Lower bounds (inclusive) of area scores 2..6; score 1 is anything above 0 and below 10,
# so that < 1% involvement still scores 1 (ARD table).
_AREA_LOWER_BOUNDS = (10, 30, 50, 70, 90)


def compute_area_score(area_pct: Decimal | Fraction, field: str = "area_pct") -> int:
    """Map the percentage of a region involved to the PASI area score 0-6.

    Bands are half-open: 0 -> 0; (0, 10) -> 1; [10, 30) -> 2; [30, 50) -> 3; [50, 70) -> 4;
    [70, 90) -> 5; [90, 100] -> 6.

    Args:
        area_pct: percentage of the region involved, 0-100 (exact; a ``Fraction`` is
            accepted so that derived percentages such as 1/30 of the trunk stay exact).
        field: dotted path named in the error.

    Returns:
        The area score.

    Raises:
        ResponseOutOfRangeError: the percentage is outside 0-100.

    Example:
        >>> [compute_area_score(Decimal(p)) for p in ("0", "0.01", "29.9", "90", "100")]
        [0, 1, 2, 6, 6]
    """
    if isinstance(area_pct, Decimal) and not area_pct.is_finite():
        raise ResponseOutOfRangeError(field, f"expected a percentage 0-100, got {area_pct}")
    if not 0 <= area_pct <= 100:
        raise ResponseOutOfRangeError(field, f"expected a percentage 0-100, got {area_pct}")
    if area_pct == 0:
        return 0
    return 1 + sum(1 for bound in _AREA_LOWER_BOUNDS if area_pct >= bound)


@dataclass(frozen=True)
class RegionScore:
    """One region's signs, area score and weighted contribution in tenths of a PASI point."""

    erythema: int
    induration: int
    desquamation: int
    area: int
    area_pct: Decimal | None
    tenths: int

    @property
    def score(self) -> Decimal:
        """The region's contribution to PASI, to one decimal place."""
        return Decimal(self.tenths).scaleb(-1)

    def to_dict(self) -> dict[str, int | Decimal | None]:
        """JSON-ready values; ``area_pct`` is ``None`` when the area score was entered directly."""
        return {
            "erythema": self.erythema,
            "induration": self.induration,
            "desquamation": self.desquamation,
            "area": self.area,
            "area_pct": self.area_pct,
            "score": self.score,
        }


@dataclass(frozen=True)
class PasiResult:
    """A PASI score: ``tenths`` is PASI x 10, an integer 0-720."""

    tenths: int
    regions: dict[str, RegionScore]
    warnings: tuple[str, ...]

    @property
    def pasi(self) -> Decimal:
        """PASI to one decimal place, exactly, e.g. ``Decimal("22.6")``."""
        return Decimal(self.tenths).scaleb(-1)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values: ``pasi`` and region scores stay ``Decimal``."""
        return {
            "pasi": self.pasi,
            "regions": {name: region.to_dict() for name, region in self.regions.items()},
            "warnings": list(self.warnings),
        }


def compute_pasi(regions: Mapping[str, object]) -> PasiResult:
    """Score PASI from the four regions' signs and areas.

    Args:
        regions: ``{"head" | "upper_limbs" | "trunk" | "lower_limbs": {"erythema": 0-4,
            "induration": 0-4, "desquamation": 0-4, "area_pct": 0-100 | "area": 0-6}}``,
            with exactly one of ``area_pct`` and ``area`` per region.

    Returns:
        The exact score, per-region detail (in :data:`REGIONS` order) and consistency warnings.

    Raises:
        IncompleteResponsesError: a region, a sign or the area is absent.
        ResponseOutOfRangeError: an unknown region or key, a value of the wrong type or out of
            range, or both ``area_pct`` and ``area`` given.
    """
    if not isinstance(regions, Mapping):
        raise ResponseOutOfRangeError(
            "regions", f"expected an object keyed by {', '.join(REGIONS)}, got {regions!r}"
        )
    for name in regions:
        if name not in REGIONS:
            raise ResponseOutOfRangeError(
                str(name), f"unknown region; expected one of: {', '.join(REGIONS)}"
            )
    scores: dict[str, RegionScore] = {}
    warnings: list[str] = []
    for name in REGIONS:
        if regions.get(name) is None:
            raise IncompleteResponsesError(name, "region is missing; all four regions are required")
        region = _score_region(name, regions[name])
        scores[name] = region
        warning = _consistency_warning(name, region)
        if warning:
            warnings.append(warning)
    return PasiResult(
        tenths=sum(region.tenths for region in scores.values()),
        regions=scores,
        warnings=tuple(warnings),
    )


def _score_region(name: str, raw: object) -> RegionScore:
    if not isinstance(raw, Mapping):
        raise ResponseOutOfRangeError(
            name, f"expected an object with keys {', '.join(_REGION_KEYS)}, got {raw!r}"
        )
    for key in raw:
        if key not in _REGION_KEYS:
            raise ResponseOutOfRangeError(
                f"{name}.{key}", f"unknown key; expected one of: {', '.join(_REGION_KEYS)}"
            )
    signs: list[int] = []
    for sign in SIGNS:
        field = f"{name}.{sign}"
        if raw.get(sign) is None:
            raise IncompleteResponsesError(field, "sign score is missing; expected an integer 0-4")
        signs.append(to_int(raw[sign], field, 0, 4))
    given = [key for key in _AREA_KEYS if raw.get(key) is not None]
    if not given:
        raise IncompleteResponsesError(
            f"{name}.area_pct", "area is missing; give one of area_pct (0-100) or area (0-6)"
        )
    if len(given) > 1:
        raise ResponseOutOfRangeError(
            f"{name}.area", "give only one of area_pct (0-100) or area (0-6), not both"
        )
    area_pct: Decimal | None = None
    if given[0] == "area_pct":
        area_pct = to_decimal(raw["area_pct"], f"{name}.area_pct")
        area = compute_area_score(area_pct, f"{name}.area_pct")
    else:
        area = to_int(raw["area"], f"{name}.area", 0, 6)
    erythema, induration, desquamation = signs
    return RegionScore(
        erythema=erythema,
        induration=induration,
        desquamation=desquamation,
        area=area,
        area_pct=area_pct,
        tenths=REGION_WEIGHTS[name] * sum(signs) * area,
    )


def _consistency_warning(name: str, region: RegionScore) -> str | None:
    signs = (region.erythema, region.induration, region.desquamation)
    if region.area == 0 and any(signs):
        return f"{name}: area is 0 but signs are recorded; the region contributes 0"
    if region.area > 0 and not any(signs):
        return f"{name}: area is {region.area} but all signs are 0; the region contributes 0"
    return None
