"""Response scenarios for synthetic cohorts: how PASI moves, and how often infusions react.

Source: domain.md §9.4 (trajectory model [A]) and §9.2/§9.3 (placebo and biologic rates).
Per participant *i* the share of baseline PASI cleared at week *t* of treatment is
``E_i * (1 - exp(-t / tau_i))``; ``E_i`` comes from a two-part Beta mixture (responders and
others) and ``tau_i`` is uniform on ``tau_weeks``. After ``treatment_weeks`` the improvement
decays toward 0 with a half-life drawn from ``half_life_weeks`` (none: it holds).

Each Beta is given by its mean and a concentration ``kappa`` (alpha = mean x kappa,
beta = (1 - mean) x kappa), so a scenario reads as the means the literature quotes.

Example:
    >>> get_scenario("msc").responder_share
    0.45
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from psotrial.errors import NotFoundError

__all__ = ["SCENARIOS", "EffectMixture", "Scenario", "get_scenario"]


@dataclass(frozen=True)
class EffectMixture:
    """A Beta distribution of the maximal PASI improvement ``E`` (0-1), by mean and kappa."""

    mean: float
    kappa: float

    def __post_init__(self) -> None:
        if not 0 < self.mean < 1 or self.kappa <= 0:
            raise ValueError(f"mean must be in (0, 1) and kappa > 0, got {self}")

    @property
    def alpha(self) -> float:
        """The Beta's first shape parameter."""
        return self.mean * self.kappa

    @property
    def beta(self) -> float:
        """The Beta's second shape parameter."""
        return (1 - self.mean) * self.kappa


@dataclass(frozen=True)
class Scenario:
    """One arm's behaviour in a synthetic cohort.

    Attributes:
        name: the scenario's key in :data:`SCENARIOS`.
        description: one line for help texts.
        responder_share: probability that a participant draws ``E`` from ``responders``.
        responders: ``E`` of responders.
        others: ``E`` of everyone else.
        tau_weeks: time constant range of the exponential approach (uniform).
        treatment_weeks: end of the treatment period; decay starts here.
        half_life_weeks: range of the post-treatment half-life (uniform); None: no decay.
        rebound_probability: chance that a participant rebounds (PASI >= 125% of baseline)
            during follow-up, to exercise that code path.
        visit_cv: coefficient of variation of the multiplicative visit noise on PASI.
        infusion_reaction_rate: probability of an infusion reaction per infusion.
    """

    name: str
    description: str
    responder_share: float
    responders: EffectMixture
    others: EffectMixture
    tau_weeks: tuple[float, float]
    treatment_weeks: float = 12.0
    half_life_weeks: tuple[float, float] | None = None
    rebound_probability: float = 0.0
    visit_cv: float = 0.12
    infusion_reaction_rate: float = 0.0


SCENARIOS: Mapping[str, Scenario] = MappingProxyType(
    {
        # Calibrated to Cheng 2022 (PASI-40 in 47%) and Yao 2021 (2/7 keep PASI-50 at 1 year).
        "msc": Scenario(
            name="msc",
            description="UC-MSC: 45% responders (E mean 0.65), others E mean 0.15; fades after W12",
            responder_share=0.45,
            responders=EffectMixture(mean=0.65, kappa=12),
            others=EffectMixture(mean=0.15, kappa=8),
            tau_weeks=(4.0, 6.0),
            half_life_weeks=(8.0, 16.0),
            rebound_probability=0.015,
            infusion_reaction_rate=0.18,
        ),
        # A single Beta of mean 0.12 cannot give PASI-50 near 13% without an absurd spread,
        # so a small share of spontaneous improvers carries the tail (domain.md §9.2).
        "placebo": Scenario(
            name="placebo",
            description="Placebo: mostly E mean 0.08, 22% spontaneous improvers (E mean 0.6)",
            responder_share=0.22,
            responders=EffectMixture(mean=0.6, kappa=5),
            others=EffectMixture(mean=0.08, kappa=8),
            tau_weeks=(3.0, 6.0),
            infusion_reaction_rate=0.03,
        ),
        "biologic": Scenario(
            name="biologic",
            description="IL-17/23-like: 80% responders (E mean 0.92), 20% partial (E mean 0.5)",
            responder_share=0.8,
            responders=EffectMixture(mean=0.92, kappa=25),
            others=EffectMixture(mean=0.5, kappa=10),
            tau_weeks=(2.0, 4.0),
            infusion_reaction_rate=0.03,
        ),
    }
)


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name``.

    Raises:
        NotFoundError: no such scenario (the message lists them).
    """
    try:
        return SCENARIOS[name]
    except KeyError:
        raise NotFoundError("scenario", name, SCENARIOS) from None
