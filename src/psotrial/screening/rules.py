"""Three-valued evaluation of a criterion's rule over the facts of a screening record.

A rule comes out true, false, or unknown (``None``) when a fact it needs is missing.
``any`` is true as soon as one part is true, even with others unknown, and ``all`` is
false as soon as one part is false: a candidate with a platelet count of 50 is excluded
whatever else is missing. Comparisons are made on exact ``Decimal`` values.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from psotrial.errors import DataEntryError
from psotrial.protocol.criteria import (
    AllRule,
    AnyRule,
    CompareRule,
    InRule,
    NotRule,
    Rule,
    WithinRule,
)
from psotrial.screening.facts import Facts

__all__ = ["Outcome", "Reference", "evaluate_rule"]

_OPERATORS: Mapping[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
_NEGATED = {">": "<=", ">=": "<", "<": ">=", "<=": ">", "==": "!=", "!=": "=="}


@dataclass(frozen=True)
class Reference:
    """The date washouts count back from, and what it is (for the reason)."""

    on: date
    source: str  # "planned first infusion" or "screening date"


@dataclass(frozen=True)
class Outcome:
    """A rule's value (None = unknown), why, and the facts it read."""

    value: bool | None
    reasons: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    values: dict[str, Any] = field(default_factory=dict)


def evaluate_rule(rule: Rule, facts: Facts, reference: Reference) -> Outcome:
    """Evaluate ``rule``; ``reference`` dates the washout rules."""
    if isinstance(rule, AllRule | AnyRule):
        return _combine(rule, facts, reference)
    if isinstance(rule, NotRule):
        inner = evaluate_rule(rule.not_, facts, reference)
        value = None if inner.value is None else not inner.value
        return Outcome(value, inner.reasons, inner.missing, inner.values)
    if isinstance(rule, WithinRule):
        return _within(rule, facts, reference)
    if isinstance(rule, InRule):
        return _in(rule, facts)
    return _compare(rule, facts)


def _combine(rule: AllRule | AnyRule, facts: Facts, reference: Reference) -> Outcome:
    parts = [evaluate_rule(part, facts, reference) for part in _parts(rule)]
    deciding = not isinstance(rule, AllRule)  # all: one false decides; any: one true
    values = {k: v for part in parts for k, v in part.values.items()}
    decided = [part for part in parts if part.value is deciding]
    if decided:
        return Outcome(deciding, tuple(r for p in decided for r in p.reasons), (), values)
    unknown = [part for part in parts if part.value is None]
    if unknown:
        missing = tuple(dict.fromkeys(m for part in unknown for m in part.missing))
        return Outcome(None, tuple(r for p in unknown for r in p.reasons), missing, values)
    reasons = tuple(r for p in parts for r in p.reasons)
    if len(parts) > 4:
        kind = "all" if isinstance(rule, AllRule) else "none"
        reasons = (f"{kind} of {len(parts)} conditions hold{'s' if kind == 'none' else ''}",)
    return Outcome(not deciding, reasons, (), values)


def _parts(rule: AllRule | AnyRule) -> tuple[Rule, ...]:
    return rule.all if isinstance(rule, AllRule) else rule.any


def _lookup(facts: Facts, name: str) -> tuple[Any, Outcome | None]:
    if name in facts.values and facts.values[name] is not None:
        return facts.values[name], None
    reason = facts.unavailable.get(name, f"{name} is missing")
    return None, Outcome(None, (reason,), (name,))


def _compare(rule: CompareRule, facts: Facts) -> Outcome:
    left, unknown = _lookup(facts, rule.fact)
    if unknown is not None:
        return unknown
    if rule.ref is None:
        right: Any = rule.value
        shown = _show(right)
        values = {rule.fact: left}
    else:
        base, unknown = _lookup(facts, rule.ref)
        if unknown is not None:
            return Outcome(None, unknown.reasons, unknown.missing, {rule.fact: left})
        right = rule.times * base + rule.plus
        shown = _show_ref(rule, base, right)
        values = {rule.fact: left, rule.ref: base}
    if rule.op in ("<", "<=", ">", ">=") and not (_is_number(left) and _is_number(right)):
        raise DataEntryError(f"{rule.fact}: cannot compare {left!r} {rule.op} {right!r}")
    holds = _OPERATORS[rule.op](left, right)
    if rule.op in ("==", "!=") and rule.ref is None:
        # For an answer (yes/no, a choice) the answer itself is the reason.
        return Outcome(holds, (f"{rule.fact} is {_show(left)}",), (), values)
    op = rule.op if holds else _NEGATED[rule.op]
    return Outcome(holds, (f"{rule.fact} {_show(left)} {op} {shown}",), (), values)


def _in(rule: InRule, facts: Facts) -> Outcome:
    value, unknown = _lookup(facts, rule.fact)
    if unknown is not None:
        return unknown
    holds = value in rule.values
    word = "is one of" if holds else "is not one of"
    choices = ", ".join(rule.values)
    return Outcome(holds, (f"{rule.fact} {_show(value)} {word} {choices}",), (), {rule.fact: value})


def _within(rule: WithinRule, facts: Facts, reference: Reference) -> Outcome:
    if rule.fact not in facts.values:
        return Outcome(None, (f"{rule.fact} is missing (blank means never)",), (rule.fact,))
    last = facts.values[rule.fact]
    if last is None:
        return Outcome(False, (f"{rule.fact}: never",), (), {rule.fact: None})
    days = (reference.on - last).days
    holds = days < rule.within_days
    relation = "<" if holds else ">="
    when = f"{days} days before" if days >= 0 else f"{-days} days after"
    reason = (
        f"{rule.fact} {last.isoformat()} is {when} the {reference.source} "
        f"{reference.on.isoformat()} ({relation} {rule.within_days}-day washout)"
    )
    return Outcome(holds, (reason,), (), {rule.fact: last})


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _show_ref(rule: CompareRule, base: Decimal, right: Decimal) -> str:
    text = rule.ref or ""
    if rule.times != 1:
        text = f"{rule.times} × {text}"
    if rule.plus:
        text = f"{text} + {rule.plus}"
    return f"{text} ({right})" if text != rule.ref else f"{text} ({base})"
