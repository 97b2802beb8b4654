"""Findings, rules and the context they run in. PURE.

A rule is a small function over the datasets, their specs and the terminology that yields
:class:`Issue` s; the runner stamps each with the rule's ID and severity to make a
:class:`Finding`. Rules never raise on bad data: bad data is what they report.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

import polars as pl

from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.terminology import Terminology

__all__ = [
    "Context",
    "Finding",
    "Issue",
    "Rule",
    "Severity",
    "Standard",
    "issues_by_row",
    "record_label",
]

Severity = Literal["error", "warning"]
Standard = Literal["SDTM", "ADaM"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One conformance finding.

    ``record`` names the record: its row number (1-based) and key values, e.g.
    ``row 3 (USUBJID=01-001, AESEQ=2)``; None when the finding is about a whole dataset
    or variable.
    """

    rule_id: str
    severity: Severity
    dataset: str
    variable: str | None
    record: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Issue:
    """What a rule function reports; the runner adds the rule's ID and severity."""

    dataset: str
    variable: str | None
    record: str | None
    message: str


@dataclass(frozen=True, slots=True)
class Context:
    """The datasets under check (by upper-case name), their specs and the terminology."""

    frames: Mapping[str, pl.DataFrame]
    specs: Mapping[str, DatasetSpec]
    terminology: Terminology
    standard: Standard


RuleCheck = Callable[[Context], Iterator[Issue]]


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: ID (``SD0001``), severity, one-line title and the function that checks it."""

    rule_id: str
    severity: Severity
    title: str
    check: RuleCheck

    def run(self, context: Context) -> list[Finding]:
        """Every finding of this rule on ``context``."""
        return [
            Finding(self.rule_id, self.severity, i.dataset, i.variable, i.record, i.message)
            for i in self.check(context)
        ]


_LABEL_KEYS = ("USUBJID", "PARAMCD", "AVISIT", "TSPARMCD")


def record_label(frame: pl.DataFrame, row: int, dataset: str) -> str:
    """``row N (USUBJID=..., XXSEQ=...)``: the 1-based row and the values that find it.

    Example:
        >>> ae = pl.DataFrame({"USUBJID": ["01-001", "01-001"], "AESEQ": [1, 2]})
        >>> record_label(ae, 1, "AE")
        'row 2 (USUBJID=01-001, AESEQ=2)'
    """
    names = [*_LABEL_KEYS, f"{dataset[:2]}SEQ"]
    parts = []
    for name in names:
        if name in frame.columns:
            value = frame[name][row]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            parts.append(f"{name}={value}")
    return f"row {row + 1} ({', '.join(parts)})" if parts else f"row {row + 1}"


def issues_by_row(
    frame: pl.DataFrame, mask: pl.Series, dataset: str, variable: str | None, message: str
) -> Iterator[Issue]:
    """One issue per row where ``mask`` is true; ``{value}`` in ``message`` is the value."""
    mask = mask.fill_null(False)
    for row in mask.arg_true().to_list():
        value = frame[variable][row] if variable and variable in frame.columns else None
        yield Issue(
            dataset, variable, record_label(frame, row, dataset), message.format(value=value)
        )
