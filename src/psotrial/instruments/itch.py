"""Pruritus VAS: 100-mm line stored as integer millimetres, with severity band and MCID.

Source: severity bands from Reich A et al. Acta Derm Venereol 2012;92:497 (on cm: 0 none;
> 0 to < 4 mild; >= 4 to < 7 moderate; >= 7 to < 9 severe; >= 9 very severe); MCID of 10 mm
from the apremilast phase IIb PRO table (HQLO 2013;11:82) (domain.md §4). The cm value is
mm / 10, and the bands are decided on integer mm so no float is ever compared.

Missing-data rule: a single-item scale has no imputation; the value is required and an
absent one (``None``) raises :class:`IncompleteResponsesError`.

Example:
    >>> compute_itch(45).to_dict()
    {'vas_mm': 45, 'vas_cm': Decimal('4.5'), 'band': 'moderate'}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from psotrial.errors import IncompleteResponsesError
from psotrial.exact import to_int

__all__ = ["ItchResult", "compute_itch", "compute_itch_mcid"]

# Reich 2012 cut-offs 4, 7 and 9 cm as inclusive lower bounds in mm.
_BANDS = ((90, "very severe"), (70, "severe"), (40, "moderate"), (1, "mild"), (0, "none"))


@dataclass(frozen=True)
class ItchResult:
    """A pruritus VAS reading in mm and cm, with its Reich 2012 band."""

    vas_mm: int
    vas_cm: Decimal
    band: str

    def to_dict(self) -> dict[str, int | Decimal | str]:
        """JSON-ready values; ``vas_cm`` stays ``Decimal``."""
        return {"vas_mm": self.vas_mm, "vas_cm": self.vas_cm, "band": self.band}


def compute_itch(vas_mm: object) -> ItchResult:
    """Read a VAS mark in mm (0 no itch, 100 worst imaginable) and band it.

    Raises:
        IncompleteResponsesError: the value is ``None``.
        ResponseOutOfRangeError: not an integer 0-100.

    Example:
        >>> [compute_itch(mm).band for mm in (0, 1, 39, 40, 70, 90)]
        ['none', 'mild', 'mild', 'moderate', 'severe', 'very severe']
    """
    mm = _mm(vas_mm, "vas_mm")
    band = next(label for lower, label in _BANDS if mm >= lower)
    return ItchResult(vas_mm=mm, vas_cm=Decimal(mm).scaleb(-1), band=band)


def compute_itch_mcid(baseline_mm: object, value_mm: object, mcid_mm: int = 10) -> bool:
    """Whether the change from baseline is a clinically important improvement (<= -mcid mm).

    Raises:
        IncompleteResponsesError: a reading is ``None``.
        ResponseOutOfRangeError: a reading is not an integer 0-100, or ``mcid_mm`` not 1-100.

    Example:
        >>> compute_itch_mcid(60, 50), compute_itch_mcid(60, 51)
        (True, False)
    """
    start, end = _mm(baseline_mm, "baseline_mm"), _mm(value_mm, "value_mm")
    return end - start <= -to_int(mcid_mm, "mcid_mm", 1, 100)


def _mm(value: object, field: str) -> int:
    if value is None:
        raise IncompleteResponsesError(field, "VAS value is missing; expected an integer 0-100 mm")
    return to_int(value, field, 0, 100)
