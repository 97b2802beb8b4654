"""Synthetic questionnaire answers that add up to a chosen total: DLQI and Zung SAS/SDS.

The cohort decides the score first (coupled to PASI for DLQI, drawn from the normal or the
excluding range for Zung), and these functions spread it over the items the way a form is
filled in, so scoring the answers gives back exactly that score.
"""

from __future__ import annotations

import random
from typing import Any

from psotrial.instruments.zung import REVERSE_ITEMS

__all__ = ["DLQI_MAX", "draw_dlqi_answers", "draw_zung_answers"]

DLQI_MAX = 30
# Item 1 (itch, soreness) and item 2 (embarrassment) carry most of the burden in psoriasis.
_DLQI_WEIGHTS = {
    "q1": 4,
    "q2": 3,
    "q3": 1,
    "q4": 2,
    "q5": 2,
    "q6": 1,
    "q7": 1,
    "q8": 1,
    "q9": 1,
    "q10": 2,
}
# Items with a "Not relevant" box (item 7 through 7a); it scores 0, like "Not at all".
_NOT_RELEVANT_ITEMS = ("q3", "q4", "q5", "q6", "q8", "q9", "q10")


def draw_dlqi_answers(rng: random.Random, total: int) -> dict[str, Any]:
    """DLQI answers (q1-q10 with q7 as q7a/q7b) whose total is ``total`` (0-30).

    Raises:
        ValueError: ``total`` is outside 0-30.

    Example:
        >>> answers = draw_dlqi_answers(random.Random(0), 12)
        >>> sorted(answers) == sorted([f"q{n}" for n in range(1, 11) if n != 7] + ["q7a", "q7b"])
        True
    """
    if not 0 <= total <= DLQI_MAX:
        raise ValueError(f"a DLQI total is 0-{DLQI_MAX}, got {total}")
    scores = dict.fromkeys(_DLQI_WEIGHTS, 0)
    for _ in range(total):
        open_items = [item for item, score in scores.items() if score < 3]
        weights = [_DLQI_WEIGHTS[item] for item in open_items]
        scores[rng.choices(open_items, weights)[0]] += 1
    answers: dict[str, Any] = {}
    for item, score in scores.items():
        if item == "q7":
            # Item 7: "yes" (prevented from working) scores 3; otherwise 7b grades it.
            if score == 3:
                answers |= {"q7a": "yes", "q7b": None}
            elif score == 0 and rng.random() < 0.1:
                answers |= {"q7a": "not_relevant", "q7b": None}
            else:
                answers |= {"q7a": "no", "q7b": score}
        elif score == 0 and item in _NOT_RELEVANT_ITEMS and rng.random() < 0.12:
            answers[item] = "not_relevant"
        else:
            answers[item] = score
    return {key: answers[key] for key in _item_order()}


def draw_zung_answers(rng: random.Random, scale: str, raw: int) -> dict[str, int]:
    """Zung SAS or SDS answers (q1-q20, ticked option 1-4) whose raw score is ``raw``.

    A reverse-scored item's ticked option is 5 minus its score.

    Raises:
        ValueError: unknown scale, or ``raw`` outside 20-80.

    Example:
        >>> answers = draw_zung_answers(random.Random(0), "SDS", 45)
        >>> sum(5 - a if n in (2, 5, 6, 11, 12, 14, 16, 17, 18, 20) else a
        ...     for n, a in ((int(k[1:]), v) for k, v in answers.items()))
        45
    """
    if scale not in REVERSE_ITEMS:
        raise ValueError(f"unknown Zung scale {scale!r}; expected one of: SAS, SDS")
    if not 20 <= raw <= 80:
        raise ValueError(f"a Zung raw score is 20-80, got {raw}")
    scores = dict.fromkeys(range(1, 21), 1)
    for _ in range(raw - 20):
        item = rng.choice([number for number, score in scores.items() if score < 4])
        scores[item] += 1
    reverse = REVERSE_ITEMS[scale]
    return {f"q{n}": 5 - score if n in reverse else score for n, score in scores.items()}


def _item_order() -> tuple[str, ...]:
    return ("q1", "q2", "q3", "q4", "q5", "q6", "q7a", "q7b", "q8", "q9", "q10")
