"""A participant's disease course: PASI severity over time, and how DLQI and itch follow it.

domain.md §9.4 [A]: during treatment the share of baseline PASI cleared is
``E (1 - exp(-t / tau))``; after the treatment period it decays toward 0 with half-life
``h`` (scenarios with no half-life hold it). A rare rebound puts PASI at 125-145% of baseline
during follow-up. Visit noise is multiplicative lognormal with the scenario's CV.
DLQI and itch improve by a per-participant share of the PASI improvement (GmooG: DLQI
10.8 -> 3.0, about 70%, with about 90% PASI improvement), plus rater noise.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from psotrial.simulate.scenarios import Scenario

__all__ = ["Course", "compute_severity", "draw_course", "draw_noise"]


@dataclass(frozen=True)
class Course:
    """One participant's response parameters."""

    effect: float
    tau_weeks: float
    half_life_weeks: float | None
    rebound: float | None
    dlqi_coupling: float
    itch_coupling: float


def draw_course(rng: random.Random, scenario: Scenario) -> Course:
    """Draw a participant's response from the scenario's mixture."""
    mixture = scenario.responders if rng.random() < scenario.responder_share else scenario.others
    half_life = rng.uniform(*scenario.half_life_weeks) if scenario.half_life_weeks else None
    rebounds = rng.random() < scenario.rebound_probability
    return Course(
        effect=rng.betavariate(mixture.alpha, mixture.beta),
        tau_weeks=rng.uniform(*scenario.tau_weeks),
        half_life_weeks=half_life,
        rebound=rng.uniform(1.3, 1.45) if rebounds else None,
        dlqi_coupling=rng.uniform(0.55, 0.9),
        itch_coupling=rng.uniform(0.5, 0.9),
    )


def compute_severity(course: Course, scenario: Scenario, weeks: float) -> float:
    """PASI as a multiple of baseline at ``weeks`` after the first infusion, before noise.

    Example:
        >>> from psotrial.simulate.scenarios import get_scenario
        >>> course = Course(0.8, 4.0, 8.0, None, 0.7, 0.7)
        >>> msc = get_scenario("msc")
        >>> round(compute_severity(course, msc, 0), 3), round(compute_severity(course, msc, 12), 3)
        (1.0, 0.24)
        >>> round(compute_severity(course, msc, 20), 3)
        0.62
    """
    if weeks <= 0:
        return 1.0
    end = scenario.treatment_weeks
    improvement = course.effect * (1 - math.exp(-min(weeks, end) / course.tau_weeks))
    if weeks > end:
        if course.half_life_weeks is None:
            improvement = course.effect * (1 - math.exp(-weeks / course.tau_weeks))
        else:
            improvement *= 0.5 ** ((weeks - end) / course.half_life_weeks)
        if course.rebound is not None:
            return course.rebound
    return 1 - improvement


def draw_noise(rng: random.Random, scenario: Scenario) -> float:
    """A multiplicative visit noise factor with mean 1 and the scenario's CV."""
    sigma = math.sqrt(math.log(1 + scenario.visit_cv**2))
    return rng.lognormvariate(-(sigma**2) / 2, sigma)
