"""BSA (body surface area) by the palm method, with the PASI area score per region.

Source: domain.md §2. One palm of the patient's whole hand, fingers included, counts as 1% of
total BSA (canadianpsoriasisnetwork.com; psoriasis.com). Regional maxima are head 10%, upper
limbs 20%, trunk 30% and lower limbs 40% (psoriasisfreetips PASI training page). A region's
involvement is its BSA% divided by its maximum, x 100, and feeds the PASI area bands of
domain.md §1.1 (e.g. 6 palms on the trunk -> 20% of the trunk -> A = 2).

Arithmetic is exact: the area score is decided on a ``Fraction`` (6 palms x 1% / 30% is not a
terminating decimal for every count of palms). ``involvement_pct`` is reported exactly when it
is a terminating decimal and otherwise rounded half-up to 2 places, for display only.

Missing-data rule: every region is required (0 palms when uninvolved); an absent region
raises :class:`IncompleteResponsesError`. There is no imputation.

Example:
    >>> result = compute_bsa({"head": 6, "upper_limbs": 0, "trunk": 6, "lower_limbs": "2.5"})
    >>> result.bsa_pct, result.regions["trunk"].pasi_area, result.regions["head"].pasi_area
    (Decimal('14.5'), 2, 4)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from psotrial.errors import IncompleteResponsesError, ResponseOutOfRangeError
from psotrial.exact import round_half_up, to_decimal
from psotrial.instruments.pasi import REGIONS, compute_area_score

__all__ = ["PALM_PCT", "REGION_MAX_PCT", "BsaResult", "RegionBsa", "compute_bsa"]

# Whole hand including fingers (domain.md §2); a palm without fingers would be about 0.5%.
PALM_PCT = Decimal(1)
REGION_MAX_PCT: Mapping[str, int] = MappingProxyType(
    {"head": 10, "upper_limbs": 20, "trunk": 30, "lower_limbs": 40}
)


@dataclass(frozen=True)
class RegionBsa:
    """One region: palms counted, % of total BSA, % of the region, and its PASI area score."""

    palms: Decimal
    pct: Decimal
    involvement_pct: Decimal
    pasi_area: int

    def to_dict(self) -> dict[str, Decimal | int]:
        """JSON-ready values; numbers stay ``Decimal``."""
        return {
            "palms": self.palms,
            "pct": self.pct,
            "involvement_pct": self.involvement_pct,
            "pasi_area": self.pasi_area,
        }


@dataclass(frozen=True)
class BsaResult:
    """Total BSA involved (0-100%) and the per-region detail in PASI region order."""

    bsa_pct: Decimal
    regions: dict[str, RegionBsa]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values; numbers stay ``Decimal``."""
        return {
            "bsa_pct": self.bsa_pct,
            "regions": {name: region.to_dict() for name, region in self.regions.items()},
        }


def compute_bsa(palms: Mapping[str, object]) -> BsaResult:
    """Convert palm counts per region into % BSA and PASI area scores.

    Args:
        palms: ``{"head" | "upper_limbs" | "trunk" | "lower_limbs": palms}``; a palm count may
            be fractional (e.g. 0.5).

    Returns:
        Total % BSA and, per region, the % BSA, the % of the region involved and its area score.

    Raises:
        IncompleteResponsesError: a region is absent.
        ResponseOutOfRangeError: an unknown region, a non-number, a negative count or more palms
            than the region holds.
    """
    if not isinstance(palms, Mapping):
        raise ResponseOutOfRangeError(
            "palms", f"expected an object keyed by {', '.join(REGIONS)}, got {palms!r}"
        )
    for name in palms:
        if name not in REGIONS:
            raise ResponseOutOfRangeError(
                str(name), f"unknown region; expected one of: {', '.join(REGIONS)}"
            )
    regions: dict[str, RegionBsa] = {}
    total = Fraction(0)
    for name in REGIONS:
        if palms.get(name) is None:
            raise IncompleteResponsesError(
                name, "palm count is missing; all four regions are required (0 when clear)"
            )
        count = to_decimal(palms[name], name)
        maximum = REGION_MAX_PCT[name]
        max_palms = Fraction(maximum) / Fraction(PALM_PCT)
        # Checked before building a Fraction so that a value like 1e999999 fails cheaply.
        if not 0 <= count <= max_palms:
            raise ResponseOutOfRangeError(
                name,
                f"expected 0-{max_palms} palms ({name} is at most {maximum}% BSA), "
                f"got {palms[name]!r}",
            )
        pct = Fraction(count) * Fraction(PALM_PCT)
        involvement = pct / maximum * 100
        regions[name] = RegionBsa(
            palms=count,
            pct=_decimal(pct),
            involvement_pct=_decimal(involvement),
            pasi_area=compute_area_score(involvement, name),
        )
        total += pct
    return BsaResult(bsa_pct=_decimal(total), regions=regions)


def _decimal(value: Fraction) -> Decimal:
    """The exact decimal when one exists, else half-up to 2 places (display only)."""
    denominator, places = value.denominator, 0
    # A fraction terminates in base 10 iff its reduced denominator has only factors 2 and 5.
    for prime in (2, 5):
        power = 0
        while denominator % prime == 0:
            denominator //= prime
            power += 1
        places = max(places, power)
    if denominator != 1:
        return round_half_up(value, 2)
    return Decimal(value.numerator * 10**places // value.denominator).scaleb(-places)
