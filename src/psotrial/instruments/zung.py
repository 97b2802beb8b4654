"""Zung Self-rating Anxiety (SAS) and Depression (SDS) Scales: raw score and index.

Source: Zung WWK. Psychosomatics 1971;12:371-9 (SAS) and Arch Gen Psychiatry 1965;12:63-70
(SDS); reverse-scored items and the Chinese "standard score" (index = raw x 1.25) as in
domain.md §5 (dywdw.cn and igbc.cn SAS forms; thecalculator.co, mdapp.co for SDS).

Each of the 20 answers is the ticked option 1-4 ("none or a little of the time" ... "most or
all of the time"); a reverse item scores 5 - answer. Raw = sum, 20-80. The index is kept
exact (``Decimal``, e.g. 53.75) so that the protocol's "SAS > 50 / SDS > 53" is decided on it;
``index_display`` is the integer shown on forms, truncated by the Chinese convention or
rounded half-up, as the protocol chooses (SDS raw 43 shows 53 or 54).

Missing-data rule: Zung published no missing-item rule, so a form with any unanswered item is
not scored (``raw`` None with a reason naming the items). Proration is deliberately not done.

Example:
    >>> compute_zung("SDS", [1] * 20).to_dict()
    {'scale': 'SDS', 'raw': 50, 'index': Decimal('62.50'), 'index_display': 62, 'reason': None}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from psotrial.errors import ResponseOutOfRangeError
from psotrial.exact import round_half_up, to_int

__all__ = ["DISPLAY_CHOICES", "REVERSE_ITEMS", "SCALES", "ZungResult", "compute_zung"]

SCALES = ("SAS", "SDS")
DISPLAY_CHOICES = ("truncate", "round_half_up")
REVERSE_ITEMS: Mapping[str, frozenset[int]] = MappingProxyType(
    {
        "SAS": frozenset({5, 9, 13, 17, 19}),
        "SDS": frozenset({2, 5, 6, 11, 12, 14, 16, 17, 18, 20}),
    }
)
_N_ITEMS = 20
_INDEX_FACTOR = Decimal("1.25")


@dataclass(frozen=True)
class ZungResult:
    """A Zung SAS/SDS score; ``raw`` and the indexes are ``None`` when not scored."""

    scale: str
    raw: int | None
    index: Decimal | None
    index_display: int | None
    item_scores: tuple[int | None, ...]
    reason: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values; ``index`` stays ``Decimal``."""
        return {
            "scale": self.scale,
            "raw": self.raw,
            "index": self.index,
            "index_display": self.index_display,
            "reason": self.reason,
        }


def compute_zung(scale: str, items: Sequence[object], display: str = "truncate") -> ZungResult:
    """Score a Zung SAS or SDS form.

    Args:
        scale: ``"SAS"`` or ``"SDS"``.
        items: the 20 ticked options in item order, each 1-4 or ``None`` (unanswered).
        display: how ``index_display`` is made from the exact index: ``"truncate"`` (Chinese
            clinical convention) or ``"round_half_up"``.

    Returns:
        Item scores after reversal, raw score, exact index and the display integer.

    Raises:
        ResponseOutOfRangeError: unknown scale or display, not exactly 20 items, or an answer
            that is not 1-4.

    Example:
        >>> sds_43 = [2 if n in (2, 5, 6, 11, 12, 14, 16) else 1 for n in range(1, 21)]
        >>> [compute_zung("SDS", sds_43, display=d).index_display for d in DISPLAY_CHOICES]
        [53, 54]
    """
    if scale not in SCALES:
        raise ResponseOutOfRangeError(
            "scale", f"expected one of: {', '.join(SCALES)}, got {scale!r}"
        )
    if display not in DISPLAY_CHOICES:
        raise ResponseOutOfRangeError(
            "display", f"expected one of: {', '.join(DISPLAY_CHOICES)}, got {display!r}"
        )
    # A string is a Sequence too, but never a list of answers.
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise ResponseOutOfRangeError("items", f"expected a list of {_N_ITEMS} answers 1-4")
    if len(items) != _N_ITEMS:
        raise ResponseOutOfRangeError(
            "items", f"expected exactly {_N_ITEMS} answers 1-4, got {len(items)}"
        )
    reverse = REVERSE_ITEMS[scale]
    scores: list[int | None] = []
    for number, answer in enumerate(items, start=1):
        if answer is None:
            scores.append(None)
            continue
        option = to_int(answer, f"item{number}", 1, 4)
        scores.append(5 - option if number in reverse else option)
    item_scores = tuple(scores)
    missing = [f"item{number}" for number, score in enumerate(item_scores, 1) if score is None]
    if missing:
        noun = "item" if len(missing) == 1 else "items"
        reason = (
            f"{len(missing)} {noun} unanswered: {', '.join(missing)} "
            f"({scale} is not scored with any item missing; Zung published no missing-item rule)"
        )
        return ZungResult(scale, None, None, None, item_scores, reason)
    raw = sum(score for score in item_scores if score is not None)
    index = raw * _INDEX_FACTOR
    shown = int(index) if display == "truncate" else int(round_half_up(index, 0))
    return ZungResult(scale, raw, index, shown, item_scores, None)
