"""PASI response over time: improvement, PASI-50/75/90/100, relapse and rebound.

Sources (domain.md §1.2-1.3 and §6):

- Improvement rate = (B - P) / B x 100% (NCT03745417 primary outcome). PASI-x is reached iff
  the reduction is at least x%, decided exactly as ``100*(B - P) >= x*B`` on integer tenths;
  the float ``(B-P)/B*100 >= 75`` misses exact boundaries such as 7.6 -> 1.9. PASI-100 is
  P = 0. Improvement is undefined for B = 0 and is never clamped (worsening is negative).
- Protocol relapse ("loss of PASI-50"): after the first visit reaching PASI-50, the first
  later visit with P > B/2, i.e. ``2*P > B``.
- NPF relapse (BMC Dermatology 2006;6:9, Table 1): after PASI-50 is reached, the first later
  visit that has lost at least half of the best improvement so far,
  ``2*(B - P) <= B - P_min``; the inclusive boundary (domain.md L1) is a parameter.
- Rebound (NPF): PASI >= 125% of baseline, ``100*P >= 125*B``. The definition also asks for
  "within 3 months of stopping therapy": the caller passes only the visits in that window.

Missing-data rule: no imputation. A visit without a PASI is simply not passed; a value given
as ``None`` or off the 0.1 lattice raises :class:`ResponseOutOfRangeError`. Visits are taken
in the order given.

Example:
    >>> result = compute_response("20", [("W4", 9), ("W12", 2), ("W16", "11")])
    >>> [v.pasi50 for v in result.visits], result.relapse_protocol.visit, result.relapse_npf
    ([True, True, False], 'W16', Relapse(relapsed=True, visit='W16'))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from psotrial.errors import ResponseOutOfRangeError
from psotrial.exact import round_half_up, to_decimal, to_int

__all__ = [
    "Rebound",
    "Relapse",
    "ResponseResult",
    "VisitResponse",
    "check_pasi_response",
    "compute_improvement",
    "compute_response",
    "to_tenths",
]

_MAX_TENTHS = 720


@dataclass(frozen=True)
class VisitResponse:
    """One visit's PASI, exact improvement from baseline (percent) and responder flags."""

    visit: str
    pasi: Decimal
    improvement: Fraction
    pasi50: bool
    pasi75: bool
    pasi90: bool
    pasi100: bool

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values; improvement is rounded half-up to 2 places for display only."""
        return {
            "visit": self.visit,
            "pasi": self.pasi,
            "improvement_pct": round_half_up(self.improvement, 2),
            "pasi50": self.pasi50,
            "pasi75": self.pasi75,
            "pasi90": self.pasi90,
            "pasi100": self.pasi100,
        }


@dataclass(frozen=True)
class Relapse:
    """Whether a relapse occurred, and the first visit meeting the criterion."""

    relapsed: bool
    visit: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values."""
        return {"relapsed": self.relapsed, "visit": self.visit}


@dataclass(frozen=True)
class Rebound:
    """Whether a rebound occurred, and the first visit meeting the criterion."""

    rebound: bool
    visit: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values."""
        return {"rebound": self.rebound, "visit": self.visit}


@dataclass(frozen=True)
class ResponseResult:
    """Per-visit response plus protocol and NPF relapse and rebound."""

    visits: tuple[VisitResponse, ...]
    relapse_protocol: Relapse
    relapse_npf: Relapse
    rebound: Rebound

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values; Decimal values stay ``Decimal``."""
        return {
            "visits": [visit.to_dict() for visit in self.visits],
            "relapse": {
                "protocol": self.relapse_protocol.to_dict(),
                "npf": self.relapse_npf.to_dict(),
            },
            "rebound": self.rebound.to_dict(),
        }


def to_tenths(value: object, field: str) -> int:
    """Read a PASI value (0-72, a multiple of 0.1) as integer tenths.

    Raises:
        ResponseOutOfRangeError: not a number, outside 0-72, or not a multiple of 0.1.

    Example:
        >>> to_tenths("7.6", "baseline"), to_tenths(72, "baseline")
        (76, 720)
    """
    number = to_decimal(value, field)
    # Range first, so that a value such as 1e999999 never becomes a huge Fraction.
    if not 0 <= number <= 72:
        raise ResponseOutOfRangeError(field, f"expected a PASI 0-72, got {value!r}")
    tenths = Fraction(number) * 10
    if tenths.denominator != 1:
        raise ResponseOutOfRangeError(
            field, f"expected a PASI in steps of 0.1 (0-72), got {value!r}"
        )
    return int(tenths)


def compute_improvement(baseline_tenths: int, value_tenths: int) -> Fraction:
    """Exact improvement from baseline in percent, (B - P) / B x 100; negative when worse.

    Raises:
        ResponseOutOfRangeError: a value is not integer tenths 0-720, or the baseline is 0.

    Example:
        >>> compute_improvement(210, 90)
        Fraction(400, 7)
    """
    baseline = _baseline(baseline_tenths)
    value = _tenths(value_tenths, "value")
    return Fraction(100 * (baseline - value), baseline)


def check_pasi_response(baseline_tenths: int, value_tenths: int, percent: int) -> bool:
    """Whether PASI fell by at least ``percent``% of baseline: ``100*(B - P) >= percent*B``.

    With ``percent`` 100 this is PASI-100, i.e. P = 0.

    Raises:
        ResponseOutOfRangeError: a value is not integer tenths 0-720, the baseline is 0, or
            ``percent`` is not an integer 0-100.

    Example:
        >>> check_pasi_response(76, 19, 75), check_pasi_response(99, 25, 75)
        (True, False)
    """
    baseline = _baseline(baseline_tenths)
    value = _tenths(value_tenths, "value")
    threshold = to_int(percent, "percent", 0, 100)
    return 100 * (baseline - value) >= threshold * baseline


def compute_response(
    baseline: object,
    values: Sequence[tuple[str, object]],
    *,
    npf_inclusive: bool = True,
    rebound_pct: int = 125,
) -> ResponseResult:
    """PASI response at each visit, relapse (protocol and NPF) and rebound.

    Args:
        baseline: baseline PASI, 0.1-72.
        values: ``(visit, PASI)`` pairs in visit order.
        npf_inclusive: NPF relapse at exactly half of the best improvement lost (domain.md L1).
        rebound_pct: rebound threshold as % of baseline (NPF/EMEA: 125).

    Returns:
        Per-visit results and the first relapse and rebound visits, if any.

    Raises:
        ResponseOutOfRangeError: a PASI off the 0.1 lattice or outside 0-72, a baseline of 0,
            a malformed or repeated visit, or ``rebound_pct`` below 100.
    """
    base = _baseline(to_tenths(baseline, "baseline"))
    rebound_threshold = to_int(rebound_pct, "rebound_pct", 100, 10_000)
    visits = _read_visits(values)
    responses = tuple(_visit_response(base, visit, tenths) for visit, tenths in visits)
    first_pasi50 = next((i for i, r in enumerate(responses) if r.pasi50), None)
    protocol = npf = None
    if first_pasi50 is not None:
        best = min(tenths for _, tenths in visits[: first_pasi50 + 1])
        for visit, tenths in visits[first_pasi50 + 1 :]:
            best = min(best, tenths)
            if protocol is None and 2 * tenths > base:
                protocol = visit
            lost_twice, best_gain = 2 * (base - tenths), base - best
            lost_half = lost_twice <= best_gain if npf_inclusive else lost_twice < best_gain
            if npf is None and lost_half:
                npf = visit
    rebound = next((v for v, tenths in visits if 100 * tenths >= rebound_threshold * base), None)
    return ResponseResult(
        visits=responses,
        relapse_protocol=Relapse(protocol is not None, protocol),
        relapse_npf=Relapse(npf is not None, npf),
        rebound=Rebound(rebound is not None, rebound),
    )


def _read_visits(values: Sequence[tuple[str, object]]) -> list[tuple[str, int]]:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise ResponseOutOfRangeError("values", "expected a list of (visit, PASI) pairs")
    visits: list[tuple[str, int]] = []
    seen: set[str] = set()
    for position, pair in enumerate(values):
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ResponseOutOfRangeError(
                f"values.{position}", f"expected a (visit, PASI) pair, got {pair!r}"
            )
        visit, value = pair
        if not isinstance(visit, str) or not visit:
            raise ResponseOutOfRangeError(
                f"values.{position}", f"expected a visit name, got {visit!r}"
            )
        if visit in seen:
            raise ResponseOutOfRangeError(f"values.{visit}", "visit is given more than once")
        seen.add(visit)
        visits.append((visit, to_tenths(value, f"values.{visit}")))
    return visits


def _visit_response(base: int, visit: str, tenths: int) -> VisitResponse:
    return VisitResponse(
        visit=visit,
        pasi=Decimal(tenths).scaleb(-1),
        improvement=compute_improvement(base, tenths),
        pasi50=check_pasi_response(base, tenths, 50),
        pasi75=check_pasi_response(base, tenths, 75),
        pasi90=check_pasi_response(base, tenths, 90),
        pasi100=tenths == 0,
    )


def _baseline(tenths: int) -> int:
    baseline = _tenths(tenths, "baseline")
    if baseline == 0:
        raise ResponseOutOfRangeError("baseline", "improvement is undefined for baseline PASI 0")
    return baseline


def _tenths(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResponseOutOfRangeError(
            field, f"expected integer tenths of PASI 0-{_MAX_TENTHS}, got {value!r}"
        )
    if not 0 <= value <= _MAX_TENTHS:
        raise ResponseOutOfRangeError(
            field, f"expected integer tenths of PASI 0-{_MAX_TENTHS}, got {value!r}"
        )
    return value
