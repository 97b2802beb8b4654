"""Eligibility evaluation, criterion by criterion, with reasons (PURE)."""

from psotrial.screening.eligibility import (
    CriterionResult,
    EligibilityResult,
    Status,
    evaluate_eligibility,
)
from psotrial.screening.facts import Facts, compute_age, compute_facts
from psotrial.screening.record import ScreeningRecord, read_screening_record

__all__ = [
    "CriterionResult",
    "EligibilityResult",
    "Facts",
    "ScreeningRecord",
    "Status",
    "compute_age",
    "compute_facts",
    "evaluate_eligibility",
    "read_screening_record",
]
