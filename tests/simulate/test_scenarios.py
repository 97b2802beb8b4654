"""Scenario parameters (domain.md §9.4) and the disease course they drive."""

from __future__ import annotations

import random
import statistics

import pytest

from psotrial.errors import NotFoundError
from psotrial.simulate import SCENARIOS, EffectMixture, get_scenario
from psotrial.simulate.course import Course, compute_severity, draw_course


def test_scenarios_are_msc_placebo_biologic() -> None:
    assert sorted(SCENARIOS) == ["biologic", "msc", "placebo"]
    assert all(SCENARIOS[name].name == name for name in SCENARIOS)


def test_get_scenario_unknown_lists_choices() -> None:
    with pytest.raises(NotFoundError, match="biologic, msc, placebo") as caught:
        get_scenario("stem-cells")
    assert caught.value.kind == "scenario"


def test_msc_scenario_follows_domain_9_4() -> None:
    msc = get_scenario("msc")
    assert msc.responder_share == pytest.approx(0.45)
    assert 0.55 <= msc.responders.mean <= 0.65
    assert 0.1 <= msc.others.mean <= 0.2
    assert msc.tau_weeks == (4, 6)
    assert msc.half_life_weeks == (8, 16)
    assert 0.1 <= msc.infusion_reaction_rate <= 0.25
    assert 0 < msc.rebound_probability < 0.02


def test_effect_mixture_shapes_and_bounds() -> None:
    mixture = EffectMixture(mean=0.6, kappa=10)
    assert (mixture.alpha, mixture.beta) == pytest.approx((6.0, 4.0))
    with pytest.raises(ValueError, match="mean must be in"):
        EffectMixture(mean=1.0, kappa=10)


@pytest.mark.parametrize(
    ("weeks", "expected"),
    [(-3, 1.0), (0, 1.0), (4, 1 - 0.8 * (1 - 2.718281828**-1)), (12, 0.24)],
)
def test_compute_severity_during_treatment(weeks: float, expected: float) -> None:
    course = Course(0.8, 4.0, 8.0, None, 0.7, 0.7)
    assert compute_severity(course, get_scenario("msc"), weeks) == pytest.approx(expected, abs=0.01)


def test_compute_severity_decays_after_treatment_with_its_half_life() -> None:
    course = Course(0.8, 4.0, 8.0, None, 0.7, 0.7)
    msc = get_scenario("msc")
    at_end = 1 - compute_severity(course, msc, 12)
    assert 1 - compute_severity(course, msc, 20) == pytest.approx(at_end / 2)


def test_compute_severity_holds_without_half_life_and_rebounds_in_follow_up() -> None:
    biologic = get_scenario("biologic")
    course = Course(0.9, 3.0, None, None, 0.7, 0.7)
    assert compute_severity(course, biologic, 24) < compute_severity(course, biologic, 12)
    rebound = Course(0.9, 3.0, None, 1.3, 0.7, 0.7)
    assert compute_severity(rebound, biologic, 16) == 1.3
    assert compute_severity(rebound, biologic, 8) < 1


def test_draw_course_mixture_mean_matches_scenario() -> None:
    rng = random.Random(3)
    msc = get_scenario("msc")
    effects = [draw_course(rng, msc).effect for _ in range(4000)]
    expected = msc.responder_share * msc.responders.mean + (1 - msc.responder_share) * (
        msc.others.mean
    )
    assert statistics.mean(effects) == pytest.approx(expected, abs=0.02)
