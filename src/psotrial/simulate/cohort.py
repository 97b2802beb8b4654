"""Synthetic cohorts: virtual participants from screening to the end of the study, as casebooks.

A cohort is a stream of candidates screened every 3-10 days from ``start``. About 20% fail
screening, each on one criterion, the criteria taken in turn (:data:`FAILURE_CRITERIA`);
whether a candidate is eligible is decided by :func:`psotrial.screening.evaluate_eligibility`
on the screening forms, never assumed, so ``enrolment`` is set exactly when the verdict is
eligible. An enrolled participant's first infusion is the planned one, 7-21 days after
screening; the visits follow (:mod:`psotrial.simulate.visits`).

Everything is synthetic: no names or contact details, generic verbatim text, lot numbers
``LOT-SYN-YYMM`` and "Investigator (synthetic)". Randomness comes only from
``random.Random(seed)``: each candidate gets its own seed from the cohort's stream, so a
data cut is the same cohort with the later records removed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from psotrial.casebook import Casebook, Enrolment, Screening
from psotrial.errors import FieldError
from psotrial.protocol import Protocol
from psotrial.screening import evaluate_eligibility, read_screening_record
from psotrial.simulate.candidates import (
    CONFIRMATION_FORM,
    FAILURE_CRITERIA,
    Candidate,
    draw_candidate,
)
from psotrial.simulate.course import draw_course
from psotrial.simulate.scenarios import get_scenario
from psotrial.simulate.visits import follow_participant

__all__ = [
    "DEFAULT_START",
    "INVESTIGATOR",
    "SCREEN_FAILURE_RATE",
    "filter_casebook",
    "simulate_cohort",
    "simulate_participant",
]

DEFAULT_START = date(2026, 1, 5)
INVESTIGATOR = "Investigator (synthetic)"
SCREEN_FAILURE_RATE = 0.2


def simulate_cohort(
    protocol: Protocol,
    *,
    n: int,
    scenario: str = "msc",
    seed: int = 0,
    start: date = DEFAULT_START,
    data_cut: date | None = None,
) -> list[Casebook]:
    """Screen ``n`` synthetic candidates and follow the enrolled ones, in screening order.

    Args:
        protocol: the study; its first site, first arm and first visit (screening) are used.
        n: candidates screened (enrolled and screen failures together).
        scenario: a key of :data:`~psotrial.simulate.scenarios.SCENARIOS`.
        seed: the only source of randomness; the same seed gives the same cohort.
        start: the first screening date.
        data_cut: when given, candidates screened after it are not generated and every
            visit and log dated after it is dropped (a withdrawal too).

    Raises:
        FieldError: ``n`` is negative.
        NotFoundError: unknown scenario.
    """
    if n < 0:
        raise FieldError("n", f"expected 0 or more candidates, got {n}")
    get_scenario(scenario)
    rng = random.Random(seed)
    ids = {criterion.id for criterion in protocol.criteria}
    failing = [criterion for criterion in FAILURE_CRITERIA if criterion in ids]
    casebooks: list[Casebook] = []
    screening = start
    failures = 0
    for index in range(n):
        if index:
            screening += timedelta(days=rng.randint(3, 10))
        participant_seed = rng.getrandbits(64)
        fail = None
        if failing and rng.random() < SCREEN_FAILURE_RATE:
            fail = failing[failures % len(failing)]
            failures += 1
        if data_cut is not None and screening > data_cut:
            break
        casebook = simulate_participant(
            protocol, scenario=scenario, seed=participant_seed, screening_date=screening, fail=fail
        )
        casebooks.append(
            casebook if data_cut is None else filter_casebook(casebook, data_cut=data_cut)
        )
    return casebooks


def simulate_participant(
    protocol: Protocol,
    *,
    scenario: str = "msc",
    seed: int = 0,
    screening_date: date = DEFAULT_START,
    fail: str | None = None,
) -> Casebook:
    """One synthetic candidate's casebook; ``fail`` names a criterion to fail screening on.

    Raises:
        NotFoundError: unknown scenario.
        ValueError: ``fail`` is not one of :data:`FAILURE_CRITERIA`.
    """
    spec = get_scenario(scenario)
    rng = random.Random(seed)
    planned = screening_date + timedelta(days=rng.randint(7, 21))
    candidate = draw_candidate(
        rng, protocol, screening_date=screening_date, planned_first_infusion=planned, fail=fail
    )
    eligible = _is_eligible(protocol, candidate, planned)
    forms = dict(candidate.forms)
    confirmation = next((f for f in protocol.screening_forms if f.code == CONFIRMATION_FORM), None)
    if confirmation is not None:
        # Items named by a criterion ID (``ex05``) carry the investigator's word on it.
        judged = {
            criterion.lower(): value
            for criterion, value in candidate.confirmations.items()
            if confirmation.item(criterion.lower()) is not None
        }
        forms[CONFIRMATION_FORM] = {
            "eligible": eligible,
            **judged,
            "investigator": INVESTIGATOR,
            "confirmed_on": screening_date.isoformat(),
        }
    screening = Screening(
        date=screening_date,
        planned_first_infusion=planned,
        forms={
            form.code: forms[form.code] for form in protocol.screening_forms if form.code in forms
        },
        confirmations=candidate.confirmations,
    )
    site = protocol.sites[0].code
    if not eligible:
        return Casebook(site=site, screening=screening)
    arm = protocol.arms[0]
    course = draw_course(rng, spec)
    visits, logs, withdrawal = follow_participant(
        rng, protocol, spec, course, candidate, planned, arm
    )
    return Casebook(
        site=site,
        screening=screening,
        enrolment=Enrolment(first_infusion=planned),
        visits=visits,
        logs=logs,
        withdrawal=withdrawal,
    )


def filter_casebook(casebook: Casebook, *, data_cut: date) -> Casebook:
    """The casebook as known on ``data_cut``: later visits, their logs and a later withdrawal go.

    Logs are dated by the visit that reports them (every date a log holds is on or before it).
    """
    visits = tuple(visit for visit in casebook.visits if visit.date <= data_cut)
    kept = {visit.visit for visit in visits}
    withdrawal = casebook.withdrawal
    return casebook.model_copy(
        update={
            "visits": visits,
            "logs": tuple(log for log in casebook.logs if log.visit in kept),
            "withdrawal": withdrawal if withdrawal and withdrawal.date <= data_cut else None,
        }
    )


def _is_eligible(protocol: Protocol, candidate: Candidate, planned: date) -> bool:
    record: dict[str, Any] = {
        "screening_date": candidate.screening_date.isoformat(),
        "planned_first_infusion": planned.isoformat(),
        "forms": candidate.forms,
        "confirmations": candidate.confirmations,
    }
    return evaluate_eligibility(protocol, read_screening_record(protocol, record)).eligible
