"""DLQI (Dermatology Life Quality Index), total, subscales, bands and MCID.

Source: Finlay AY, Khan GK. Clin Exp Dermatol 1994;19:210-6; scoring and missing-data rules
from the Cardiff/dermatology.org.uk DLQI instructions; bands from Hongbo Y et al. JID
2005;125:659; MCID of 4 points from Basra MKA et al. Dermatology 2015;230:27-33
(domain.md §3). The copyright line :data:`DLQI_COPYRIGHT` must be reprinted on every copy;
research use needs the copyright holders' permission.

Items score Very much 3, A lot 2, A little 1, Not at all 0; "not_relevant" (items 3-10 only)
scores 0. Item 7 branches: 7a Yes scores 3, 7a Not relevant scores 0, 7a No scores the 7b
answer (A lot 2, A little 1, Not at all 0). 7b is read only after 7a "no", because the form
routes to it only then; any other 7b answer is range-checked and ignored.

Missing-data rule (DLQI instructions): one unanswered item scores 0 and the total is summed
as usual; two or more unanswered items leave the questionnaire not scored (``total`` None
with a reason). Item 7 is unanswered when 7a is blank, or when 7a is "no" and 7b is blank
(domain.md §3.1). A subscale is ``None`` when any of its items is unanswered, since the
zero-substitution is a rule for the total only.

Example:
    >>> answers = {f"q{n}": 2 for n in (1, 2, 3, 4, 5, 6, 8, 10)} | {"q7a": "no", "q7b": 2}
    >>> result = compute_dlqi(answers)
    >>> result.total, result.band, result.missing
    (18, 'very large effect', ('q9',))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from psotrial.errors import ResponseOutOfRangeError
from psotrial.exact import to_int

__all__ = [
    "DLQI_COPYRIGHT",
    "DlqiResult",
    "compute_dlqi",
    "compute_dlqi_band",
    "compute_dlqi_mcid",
]

DLQI_COPYRIGHT = "© Dermatology Life Quality Index. A.Y. Finlay, G.K. Khan, April 1992."

NOT_RELEVANT = "not_relevant"
_ITEMS = tuple(f"q{n}" for n in range(1, 11))
_SIMPLE_KEYS = tuple(item for item in _ITEMS if item != "q7")
_INPUT_KEYS = (*_SIMPLE_KEYS, "q7a", "q7b")
# Items 1 and 2 (symptoms, embarrassment) have no "Not relevant" box on the form.
_NO_NOT_RELEVANT = ("q1", "q2")
_Q7A_CHOICES = ("yes", "no", NOT_RELEVANT)
SUBSCALES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "symptoms_feelings": ("q1", "q2"),
        "daily_activities": ("q3", "q4"),
        "leisure": ("q5", "q6"),
        "work_school": ("q7",),
        "personal_relationships": ("q8", "q9"),
        "treatment": ("q10",),
    }
)
# Upper bound of each band, Hongbo 2005.
_BANDS = (
    (1, "no effect"),
    (5, "small effect"),
    (10, "moderate effect"),
    (20, "very large effect"),
    (30, "extremely large effect"),
)


@dataclass(frozen=True)
class DlqiResult:
    """A DLQI score; ``total`` is ``None`` (not scored), with a reason, if 2+ items are blank."""

    total: int | None
    band: str | None
    subscales: dict[str, int | None]
    items: dict[str, int | None]
    missing: tuple[str, ...]
    reason: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready values."""
        return {
            "total": self.total,
            "band": self.band,
            "subscales": dict(self.subscales),
            "items": dict(self.items),
            "missing": list(self.missing),
            "reason": self.reason,
        }


def compute_dlqi(responses: Mapping[str, object]) -> DlqiResult:
    """Score a DLQI form.

    Args:
        responses: ``q1``-``q10`` except ``q7`` (each 0-3, ``"not_relevant"`` on q3-q10, or
            ``None``), ``q7a`` (``"yes"`` | ``"no"`` | ``"not_relevant"`` | ``None``) and
            ``q7b`` (0-2 | ``None``). An absent key counts as ``None`` (unanswered).

    Returns:
        Item scores (``q7`` combined from 7a/7b), subscales, total, band and missing items.

    Raises:
        ResponseOutOfRangeError: an unknown key or a value outside the allowed answers.
    """
    if not isinstance(responses, Mapping):
        raise ResponseOutOfRangeError(
            "responses", f"expected an object keyed by {', '.join(_INPUT_KEYS)}"
        )
    for key in responses:
        if key not in _INPUT_KEYS:
            raise ResponseOutOfRangeError(
                str(key), f"unknown item; expected one of: {', '.join(_INPUT_KEYS)}"
            )
    items: dict[str, int | None] = {}
    for item in _ITEMS:
        items[item] = _item7(responses) if item == "q7" else _item(item, responses.get(item))
    missing = tuple(item for item, score in items.items() if score is None)
    subscales = {
        name: _sum_or_none([items[item] for item in members]) for name, members in SUBSCALES.items()
    }
    if len(missing) >= 2:
        reason = (
            f"{len(missing)} items unanswered: {', '.join(missing)} "
            "(DLQI is not scored with 2 or more missing)"
        )
        return DlqiResult(None, None, subscales, items, missing, reason)
    # A single unanswered item scores 0, per the DLQI instructions.
    total = sum(score for score in items.values() if score is not None)
    return DlqiResult(total, compute_dlqi_band(total), subscales, items, missing, None)


def compute_dlqi_band(total: int) -> str:
    """Hongbo 2005 meaning of a DLQI total.

    Raises:
        ResponseOutOfRangeError: the total is not an integer 0-30.

    Example:
        >>> [compute_dlqi_band(t) for t in (1, 2, 6, 11, 21)]  # doctest: +NORMALIZE_WHITESPACE
        ['no effect', 'small effect', 'moderate effect', 'very large effect',
         'extremely large effect']
    """
    score = _total(total, "total")
    return next(label for upper, label in _BANDS if score <= upper)


def compute_dlqi_mcid(baseline: int, value: int, mcid: int = 4) -> bool:
    """Whether the change from baseline is a clinically important improvement.

    Improved iff ``value - baseline <= -mcid``; 4 points is the Basra 2015 MCID.

    Raises:
        ResponseOutOfRangeError: a total is not an integer 0-30, or ``mcid`` is not 1-30.

    Example:
        >>> compute_dlqi_mcid(14, 10), compute_dlqi_mcid(14, 11)
        (True, False)
    """
    start, end = _total(baseline, "baseline"), _total(value, "value")
    return end - start <= -to_int(mcid, "mcid", 1, 30)


def _item(item: str, raw: object) -> int | None:
    allowed = "an integer 0-3" if item in _NO_NOT_RELEVANT else f"0-3 or {NOT_RELEVANT!r}"
    if raw is None:
        return None
    if raw == NOT_RELEVANT and item not in _NO_NOT_RELEVANT:
        return 0
    # Answers are codes, not quantities: a string other than "not_relevant" is never an answer.
    if isinstance(raw, str):
        raise ResponseOutOfRangeError(item, f"expected {allowed}, got {raw!r}")
    try:
        return to_int(raw, item, 0, 3)
    except ResponseOutOfRangeError:
        raise ResponseOutOfRangeError(item, f"expected {allowed}, got {raw!r}") from None


def _item7(responses: Mapping[str, object]) -> int | None:
    answer, amount = responses.get("q7a"), responses.get("q7b")
    if answer is not None and answer not in _Q7A_CHOICES:
        raise ResponseOutOfRangeError(
            "q7a", f"expected one of: {', '.join(_Q7A_CHOICES)}, got {answer!r}"
        )
    if isinstance(amount, str):
        raise ResponseOutOfRangeError("q7b", f"expected an integer 0-2, got {amount!r}")
    problem = None if amount is None else to_int(amount, "q7b", 0, 2)
    if answer == "yes":
        return 3
    if answer == NOT_RELEVANT:
        return 0
    if answer == "no":
        return problem
    return None


def _sum_or_none(scores: list[int | None]) -> int | None:
    if any(score is None for score in scores):
        return None
    return sum(score for score in scores if score is not None)


def _total(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResponseOutOfRangeError(field, f"expected an integer 0-30, got {value!r}")
    return to_int(value, field, 0, 30)
