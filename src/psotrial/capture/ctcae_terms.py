"""The CTCAE v5.0 term list (837 terms, with MedDRA LLT code and SOC), shipped as package data.

Source: NCI Common Terminology Criteria for Adverse Events v5.0 (``psotrial/data``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from psotrial.errors import FieldError

__all__ = ["CtcaeTerm", "ctcae_terms", "find_ctcae_term", "search_ctcae_terms"]


@dataclass(frozen=True)
class CtcaeTerm:
    """One CTCAE v5.0 term with its MedDRA LLT code and system organ class."""

    term: str
    meddra_code: str
    soc: str


@cache
def ctcae_terms() -> dict[str, CtcaeTerm]:
    """Every term keyed by its lower-cased name."""
    text = (resources.files("psotrial") / "data" / "ctcae-v5-terms.csv").read_text("utf-8")
    terms: dict[str, CtcaeTerm] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code = row["MedDRA_code_v50"].removesuffix(".0")
        term = CtcaeTerm(row["tox_desc"], code, row["tox_cat"])
        terms[term.term.lower()] = term
    return terms


def find_ctcae_term(name: str, field: str = "ctcae_term") -> CtcaeTerm:
    """The term called ``name`` (case-insensitive).

    Raises:
        FieldError: not a CTCAE v5.0 term; suggests the closest ones.
    """
    term = ctcae_terms().get(name.strip().lower())
    if term is None:
        close = [t.term for t in search_ctcae_terms(name, limit=5)]
        hint = f"; did you mean: {', '.join(close)}" if close else ""
        raise FieldError(field, f"{name!r} is not a CTCAE v5.0 term{hint}")
    return term


def search_ctcae_terms(text: str, limit: int = 20) -> list[CtcaeTerm]:
    """Terms containing every word of ``text``, those starting with it first."""
    words = text.lower().split()
    if not words:
        return []
    hits = [t for key, t in ctcae_terms().items() if all(word in key for word in words)]
    hits.sort(key=lambda t: (not t.term.lower().startswith(words[0]), t.term))
    return hits[:limit]
