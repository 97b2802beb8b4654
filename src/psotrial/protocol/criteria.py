"""Eligibility criteria as data, with a small rule language over form items.

A criterion has the registry's wording and either a machine ``rule``, an
``investigator_confirms`` flag (clinical judgement), or both (both must pass).

For an **inclusion** criterion the rule says when the candidate qualifies; for an
**exclusion** criterion the rule says when the candidate is excluded, mirroring the
registry's wording. Either way a criterion is ``met`` when the candidate passes it, so a
candidate is eligible only when every criterion is met.

Rules (YAML)::

    {all: [RULE, ...]}                 every rule holds
    {any: [RULE, ...]}                 at least one holds
    {not: RULE}
    {fact: F, op: OP, value: V}        F OP V          (OP: > >= < <= == !=)
    {fact: F, op: OP, ref: G, times: K, plus: C}    F OP K*G + C
    {fact: F, in: [V, ...]}            F is one of the values
    {fact: F, within_days: N}          the date F lies fewer than N days before the
                                       reference date (a washout not yet complete)

``F`` names a form item (``demographics.sex``), a lab result (``labs.PLT.value``,
``labs.PLT.uln``) or a derived fact (``pasi.total``; see :mod:`psotrial.protocol.facts`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator

__all__ = [
    "AllRule",
    "AnyRule",
    "CompareRule",
    "Criterion",
    "InRule",
    "NotRule",
    "Operator",
    "Rule",
    "WithinRule",
    "iter_facts",
]

Operator = Literal[">", ">=", "<", "<=", "==", "!="]
Literal_ = Decimal | bool | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class CompareRule(_Strict):
    """``fact op value`` or ``fact op times*ref + plus``."""

    fact: str
    op: Operator
    value: Literal_ | None = None
    ref: str | None = None
    times: Decimal = Decimal(1)
    plus: Decimal = Decimal(0)

    @model_validator(mode="after")
    def _check(self) -> CompareRule:
        if (self.value is None) == (self.ref is None):
            raise ValueError("give exactly one of 'value' and 'ref'")
        if self.ref is None and (self.times != 1 or self.plus != 0):
            raise ValueError("'times' and 'plus' apply only with 'ref'")
        return self


class InRule(_Strict):
    """The fact's value is one of ``values``."""

    fact: str
    values: tuple[str, ...] = Field(alias="in", min_length=1)


class WithinRule(_Strict):
    """The date named by ``fact`` lies fewer than ``within_days`` days before the reference.

    A therapy stopped 13 days before a 14-day washout's reference date is within it;
    stopped 14 days before, it is not. ``null`` (never used) is never within.
    """

    fact: str
    within_days: int = Field(gt=0)


class AllRule(_Strict):
    all: tuple[Rule, ...] = Field(min_length=1)


class AnyRule(_Strict):
    any: tuple[Rule, ...] = Field(min_length=1)


class NotRule(_Strict):
    not_: Rule = Field(alias="not")


def _rule_kind(value: Any) -> str:
    if isinstance(value, BaseModel):
        return {
            AllRule: "all",
            AnyRule: "any",
            NotRule: "not",
            InRule: "in",
            WithinRule: "within",
        }.get(type(value), "compare")
    if isinstance(value, dict):
        for key in ("all", "any", "not", "in"):
            if key in value:
                return key
        if "within_days" in value:
            return "within"
    return "compare"


Rule = Annotated[
    Annotated[AllRule, Tag("all")]
    | Annotated[AnyRule, Tag("any")]
    | Annotated[NotRule, Tag("not")]
    | Annotated[InRule, Tag("in")]
    | Annotated[WithinRule, Tag("within")]
    | Annotated[CompareRule, Tag("compare")],
    Discriminator(_rule_kind),
]

AllRule.model_rebuild()
AnyRule.model_rebuild()
NotRule.model_rebuild()


class Criterion(_Strict):
    """One inclusion or exclusion criterion of the registry record."""

    id: str = Field(pattern=r"^(IN|EX)\d{2}$")
    kind: Literal["inclusion", "exclusion"]
    text: str = Field(description="the registry record's wording")
    rule: Rule | None = None
    investigator_confirms: bool = False
    note: str | None = Field(default=None, description="how the rule reads the wording")

    @model_validator(mode="after")
    def _check(self) -> Criterion:
        if self.rule is None and not self.investigator_confirms:
            raise ValueError("a criterion needs a rule, investigator_confirms: true, or both")
        expected = "IN" if self.kind == "inclusion" else "EX"
        if not self.id.startswith(expected):
            raise ValueError(f"an {self.kind} criterion's id starts with {expected!r}")
        return self


def iter_facts(rule: Rule) -> list[str]:
    """Every fact a rule reads, in order of appearance (with repeats removed)."""
    found: list[str] = []

    def walk(node: Rule) -> None:
        if isinstance(node, AllRule | AnyRule):
            for child in node.all if isinstance(node, AllRule) else node.any:
                walk(child)
        elif isinstance(node, NotRule):
            walk(node.not_)
        else:
            for name in (node.fact, getattr(node, "ref", None)):
                if name is not None and name not in found:
                    found.append(name)

    walk(rule)
    return found
