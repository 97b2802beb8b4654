"""Eligibility, criterion by criterion, with the values compared and a one-line reason.

Each criterion of the protocol comes back:

* ``met``: the candidate passes it (an inclusion holds; an exclusion does not apply);
* ``not_met``: the candidate fails it;
* ``needs_confirmation``: the rule passes (or there is none) but the investigator's
  judgement, which the criterion requires, is not yet recorded;
* ``cannot_evaluate``: items the rule reads are missing (named in ``missing``).

The candidate is eligible only when every criterion is ``met``. Washouts count back from
the planned first infusion when it is known, else from the screening date
(``settings.washout_reference``), and each washout reason says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from psotrial.protocol import Criterion, Protocol
from psotrial.screening.facts import Facts, compute_facts
from psotrial.screening.record import ScreeningRecord
from psotrial.screening.rules import Reference, evaluate_rule

__all__ = ["CriterionResult", "EligibilityResult", "Status", "evaluate_eligibility"]

Status = Literal["met", "not_met", "needs_confirmation", "cannot_evaluate"]


@dataclass(frozen=True)
class CriterionResult:
    """One criterion's verdict."""

    id: str
    kind: str
    text: str
    status: Status
    reason: str
    values: Mapping[str, Any] = field(default_factory=dict)
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"id", "kind", "text", "status", "reason", "values", "missing"}``."""
        return {
            "id": self.id,
            "kind": self.kind,
            "text": self.text,
            "status": self.status,
            "reason": self.reason,
            "values": dict(self.values),
            "missing": list(self.missing),
        }


@dataclass(frozen=True)
class EligibilityResult:
    """Every criterion's verdict; ``eligible`` only when all are met."""

    criteria: tuple[CriterionResult, ...]
    reference: Reference

    @property
    def eligible(self) -> bool:
        """True only when every criterion is met."""
        return all(result.status == "met" for result in self.criteria)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"eligible", "washout_reference", "criteria": [...]}``."""
        return {
            "eligible": self.eligible,
            "washout_reference": {
                "date": self.reference.on.isoformat(),
                "source": self.reference.source,
            },
            "criteria": [result.to_dict() for result in self.criteria],
        }


def evaluate_eligibility(protocol: Protocol, record: ScreeningRecord) -> EligibilityResult:
    """Evaluate every criterion of ``protocol`` on ``record``, in protocol order."""
    facts = compute_facts(protocol, record)
    if record.planned_first_infusion is not None:
        reference = Reference(record.planned_first_infusion, "planned first infusion")
    else:
        reference = Reference(record.screening_date, "screening date")
    results = tuple(
        _evaluate(criterion, facts, reference, record.confirmations)
        for criterion in protocol.criteria
    )
    return EligibilityResult(results, reference)


def _evaluate(
    criterion: Criterion,
    facts: Facts,
    reference: Reference,
    confirmations: Mapping[str, bool],
) -> CriterionResult:
    values: Mapping[str, Any] = {}
    rule_reason = ""
    if criterion.rule is not None:
        outcome = evaluate_rule(criterion.rule, facts, reference)
        values = outcome.values
        rule_reason = "; ".join(outcome.reasons)
        if outcome.value is None:
            return _verdict(
                criterion,
                "cannot_evaluate",
                f"cannot evaluate: {rule_reason}",
                values,
                outcome.missing,
            )
        passes = outcome.value if criterion.kind == "inclusion" else not outcome.value
        if not passes:
            verb = "excluded" if criterion.kind == "exclusion" else "not met"
            return _verdict(criterion, "not_met", f"{verb}: {rule_reason}", values)
        if criterion.kind == "exclusion":
            rule_reason = f"not excluded: {rule_reason}"
    if not criterion.investigator_confirms:
        return _verdict(criterion, "met", rule_reason, values)
    confirmed = confirmations.get(criterion.id)
    prefix = f"{rule_reason}; " if rule_reason else ""
    if confirmed is None:
        reason = f"{prefix}investigator confirmation not recorded"
        return _verdict(criterion, "needs_confirmation", reason, values)
    if not confirmed:
        reason = f"{prefix}investigator judged the candidate unsuitable"
        return _verdict(criterion, "not_met", reason, values)
    return _verdict(criterion, "met", f"{prefix}investigator confirmed", values)


def _verdict(
    criterion: Criterion,
    status: Status,
    reason: str,
    values: Mapping[str, Any],
    missing: tuple[str, ...] = (),
) -> CriterionResult:
    return CriterionResult(
        criterion.id, criterion.kind, criterion.text, status, reason, values, missing
    )
