"""Synthetic cohorts: virtual participants as casebooks, for tests, demos and benchmarks (PURE).

``simulate_cohort(load_protocol("nct03745417"), n=50, scenario="msc", seed=1)`` returns one
:class:`~psotrial.casebook.Casebook` per screened candidate. Every form's data passes
:func:`psotrial.protocol.answers.read_form`; enrolment is set exactly when the screening
forms are eligible. Scenarios (``msc``, ``placebo``, ``biologic``) follow domain.md §9.
"""

from psotrial.simulate.candidates import FAILURE_CRITERIA
from psotrial.simulate.cohort import (
    DEFAULT_START,
    INVESTIGATOR,
    SCREEN_FAILURE_RATE,
    filter_casebook,
    simulate_cohort,
    simulate_participant,
)
from psotrial.simulate.scenarios import SCENARIOS, EffectMixture, Scenario, get_scenario

__all__ = [
    "DEFAULT_START",
    "FAILURE_CRITERIA",
    "INVESTIGATOR",
    "SCENARIOS",
    "SCREEN_FAILURE_RATE",
    "EffectMixture",
    "Scenario",
    "filter_casebook",
    "get_scenario",
    "simulate_cohort",
    "simulate_participant",
]
