"""A beta-binomial go/no-go table for a single-arm trial.

With a Beta(a, b) prior on the response rate and k responders among n participants the
posterior is Beta(a + k, b + n - k) (conjugacy; Gelman A et al. Bayesian Data Analysis,
3rd ed., 2013, chapter 2). For every possible k the table gives the posterior
probability that the response rate exceeds a threshold, and a decision in the three-zone
form used for phase II go/no-go rules (Frewer P et al. Pharm Stat 2016;15:255-263):

* ``go`` when P(rate > threshold | k) >= the go cut-off (default 0.8);
* ``no-go`` when P(rate > threshold | k) <= the no-go cut-off (default 0.1);
* ``consider`` in between.

When a and b are whole numbers the probability is exact: for integer shape parameters
P(Beta(A, B) > t) = P(Bin(A + B - 1, t) <= A - 1), so the decisions are taken on exact
fractions. Other priors (e.g. Jeffreys' 0.5, 0.5) use the regularised incomplete beta
function in floating point.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import numpy as np

from psotrial.errors import FieldError
from psotrial.stats.single_arm import Probability, check_probability, compute_binomial_weights

__all__ = [
    "MAX_BAYES_N",
    "MAX_PRIOR_SHAPE",
    "Decision",
    "PosteriorRow",
    "PosteriorTable",
    "compute_posterior_table",
]

MAX_BAYES_N = 10_000
"""Largest number of participants accepted."""

MAX_PRIOR_SHAPE = 10_000
"""Largest prior shape parameter accepted (a prior worth 10,000 participants)."""

Decision = Literal["go", "consider", "no-go"]


@dataclass(frozen=True, slots=True)
class PosteriorRow:
    """One possible outcome: ``responders`` of n, its posterior and its decision."""

    responders: int
    posterior_a: Decimal
    posterior_b: Decimal
    prob_above: float
    decision: Decision


@dataclass(frozen=True, slots=True)
class PosteriorTable:
    """The go/no-go table for k = 0..n, with the boundaries of the go and no-go zones.

    ``go_from`` is the fewest responders giving ``go`` and ``nogo_up_to`` the most giving
    ``no-go`` (``None`` when no outcome does).
    """

    n: int
    prior_a: Decimal
    prior_b: Decimal
    threshold: Fraction
    go: Fraction
    nogo: Fraction
    rows: tuple[PosteriorRow, ...]
    go_from: int | None
    nogo_up_to: int | None


def compute_posterior_table(
    n: int,
    *,
    prior: tuple[Decimal | int, Decimal | int],
    threshold: Probability,
    go: Probability = Fraction(4, 5),
    nogo: Probability = Fraction(1, 10),
) -> PosteriorTable:
    """Posterior P(response rate > threshold) and a go/no-go decision for each k = 0..n.

    Args:
        n: participants, 1 to :data:`MAX_BAYES_N`.
        prior: the Beta prior's shape parameters ``(a, b)``, each above 0 and at most
            :data:`MAX_PRIOR_SHAPE`.
        threshold: the response rate to beat, strictly between 0 and 1.
        go: the posterior probability at or above which the decision is ``go``.
        nogo: the posterior probability at or below which the decision is ``no-go``;
            below ``go``.

    Raises:
        FieldError: an input out of its range (named, with the range).

    Example:
        A uniform prior, 10 participants, is the rate above 30%?

        >>> table = compute_posterior_table(10, prior=(1, 1), threshold=0.3)
        >>> table.go_from, table.nogo_up_to
        (5, 0)
        >>> row = table.rows[5]
        >>> row.posterior_a, row.posterior_b, round(row.prob_above, 4), row.decision
        (Decimal('6'), Decimal('6'), 0.9218, 'go')
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_BAYES_N:
        raise FieldError("n", f"expected a whole number 1-{MAX_BAYES_N}, got {n!r}")
    a, b = (_shape(value, name) for value, name in zip(prior, ("a", "b"), strict=True))
    cut = check_probability(threshold, "threshold")
    go_cut = check_probability(go, "go")
    nogo_cut = check_probability(nogo, "nogo")
    if nogo_cut >= go_cut:
        raise FieldError(
            "nogo",
            f"expected a no-go cut-off below the go cut-off ({float(go_cut)}), "
            f"got {float(nogo_cut)}",
        )
    probabilities = _prob_above(n, a, b, cut)
    rows = tuple(
        PosteriorRow(k, a + k, b + n - k, float(prob), _decide(prob, go_cut, nogo_cut))
        for k, prob in enumerate(probabilities)
    )
    go_rows = [row.responders for row in rows if row.decision == "go"]
    nogo_rows = [row.responders for row in rows if row.decision == "no-go"]
    return PosteriorTable(
        n=n,
        prior_a=a,
        prior_b=b,
        threshold=cut,
        go=go_cut,
        nogo=nogo_cut,
        rows=rows,
        go_from=min(go_rows) if go_rows else None,
        nogo_up_to=max(nogo_rows) if nogo_rows else None,
    )


def _shape(value: Decimal | int, name: str) -> Decimal:
    field = f"prior.{name}"
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise FieldError(field, f"expected {name} as a number above 0, got {value!r}")
    number = Decimal(value)
    if not number.is_finite() or not 0 < number <= MAX_PRIOR_SHAPE:
        raise FieldError(
            field, f"expected {name} above 0 and at most {MAX_PRIOR_SHAPE}, got {value}"
        )
    return number


def _prob_above(n: int, a: Decimal, b: Decimal, threshold: Fraction) -> list[Fraction | float]:
    """P(Beta(a + k, b + n - k) > threshold) for k = 0..n."""
    if a == a.to_integral_value() and b == b.to_integral_value():
        # Every posterior has a + b + n - 1 = trials: one binomial table serves all k.
        trials = int(a + b) + n - 1
        weights, denominator = compute_binomial_weights(trials, threshold)
        below = 0
        cumulative = []
        for weight in weights:
            below += weight
            cumulative.append(below)
        return [Fraction(cumulative[int(a) + k - 1], denominator) for k in range(n + 1)]
    from scipy.special import betaincc  # type: ignore[import-untyped]

    k = np.arange(n + 1)
    values = betaincc(float(a) + k, float(b) + n - k, float(threshold))
    return [float(value) for value in values]


def _decide(prob: Fraction | float, go: Fraction, nogo: Fraction) -> Decision:
    # Fractions compare exactly with Fractions; a float is compared through its exact value.
    value = prob if isinstance(prob, Fraction) else Fraction(prob)
    if value >= go:
        return "go"
    if value <= nogo:
        return "no-go"
    return "consider"
