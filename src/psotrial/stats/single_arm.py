"""The exact one-sided binomial test of a single-arm trial: critical value, size and power.

H0: p <= p0 is rejected when at least ``r`` of ``n`` participants respond, where ``r`` is
the smallest count whose upper tail under p0 does not exceed the nominal alpha
(A'Hern RP. Sample size tables for exact single-stage phase II designs. Stat Med
2001;20:859-866). Because the binomial is discrete the actual size is usually below alpha.

Every tail is summed in exact integer arithmetic (``p = a/b`` in lowest terms, so each
binomial probability is ``C(n, x) a^x (b - a)^(n - x) / b^n``): whether a tail is at or
below alpha is decided exactly, never on a rounded float.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from psotrial.errors import FieldError, ResponseOutOfRangeError
from psotrial.exact import to_decimal

__all__ = [
    "MAX_SINGLE_ARM_N",
    "Probability",
    "SingleArmTest",
    "check_probability",
    "compute_binomial_weights",
    "compute_single_arm_test",
]

Probability = float | Decimal | Fraction | str
"""A probability as a caller may give it; floats are read through their shortest repr."""

MAX_SINGLE_ARM_N = 10_000
"""Largest sample size accepted: the exact integer tails stay well under a second."""


@dataclass(frozen=True, slots=True)
class SingleArmTest:
    """The exact test for ``n`` participants: reject H0 when responders >= ``critical_value``.

    ``size`` is P(X >= critical_value | p0) and ``power`` is P(X >= critical_value | p1);
    ``critical_value == n + 1`` means no outcome is significant at this alpha (size and
    power are then 0).
    """

    n: int
    p0: Fraction
    p1: Fraction
    alpha: Fraction
    critical_value: int
    size: Fraction
    power: Fraction


def check_probability(value: Probability, field: str) -> Fraction:
    """Read a probability strictly between 0 and 1 as an exact fraction.

    Args:
        value: a float (read through its shortest repr: 0.1 is 1/10), Decimal, Fraction or
            numeric string.
        field: the name of the input, used in the error.

    Raises:
        FieldError: not a number, or not strictly between 0 and 1.

    Example:
        >>> check_probability(0.05, "p0")
        Fraction(1, 20)
    """
    if isinstance(value, Fraction):
        number = value
    else:
        try:
            number = Fraction(to_decimal(value, field))
        except ResponseOutOfRangeError:
            raise FieldError(field, f"expected a probability, got {value!r}") from None
    if not 0 < number < 1:
        raise FieldError(
            field, f"expected a probability strictly between 0 and 1, got {_show(value)}"
        )
    return number


def compute_binomial_weights(n: int, p: Fraction) -> tuple[list[int], int]:
    """Binomial(n, p) probabilities as integers over one common denominator.

    Returns ``(weights, denominator)`` with ``P(X = x) = weights[x] / denominator``,
    exactly, for ``x = 0..n``.

    Example:
        >>> compute_binomial_weights(2, Fraction(1, 4))
        ([9, 6, 1], 16)
    """
    a, b = p.numerator, p.denominator
    fail = b - a
    weights: list[int] = []
    comb = 1
    success_powers = [1]
    for _ in range(n):
        success_powers.append(success_powers[-1] * a)
    fail_power = fail**n
    for x in range(n + 1):
        weights.append(comb * success_powers[x] * fail_power)
        if x < n:
            comb = comb * (n - x) // (x + 1)
            # fail is never 0 (p < 1), so the division is exact.
            fail_power //= fail
    return weights, b**n


def compute_single_arm_test(
    n: int, p0: Probability, p1: Probability, *, alpha: Probability = Fraction(1, 20)
) -> SingleArmTest:
    """Critical value, actual size and power of the exact one-sided binomial test.

    Args:
        n: participants, 1 to :data:`MAX_SINGLE_ARM_N`.
        p0: the response rate that is not worth pursuing (H0: p <= p0).
        p1: the response rate hoped for, above p0; the power is computed there.
        alpha: the nominal one-sided significance level.

    Raises:
        FieldError: a probability outside (0, 1), ``p1 <= p0``, or ``n`` out of range;
            each names the input and its valid range.

    Example:
        Fleming's classic 0.05 versus 0.20 with 25 participants: reject with 4 or more.

        >>> test = compute_single_arm_test(25, 0.05, 0.20, alpha=0.05)
        >>> test.critical_value, round(float(test.size), 4), round(float(test.power), 4)
        (4, 0.0341, 0.766)
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_SINGLE_ARM_N:
        raise FieldError("n", f"expected a whole number 1-{MAX_SINGLE_ARM_N}, got {n!r}")
    q0 = check_probability(p0, "p0")
    q1 = check_probability(p1, "p1")
    level = check_probability(alpha, "alpha")
    if q1 <= q0:
        raise FieldError("p1", f"expected p1 greater than p0 ({_show(p0)}), got {_show(p1)}")
    weights0, denominator0 = compute_binomial_weights(n, q0)
    # Walk down from the top of the tail: the smallest r with P(X >= r) <= alpha.
    critical_value = n + 1
    tail = 0
    for r in range(n, -1, -1):
        tail += weights0[r]
        if Fraction(tail, denominator0) > level:
            break
        critical_value = r
    size = Fraction(sum(weights0[critical_value:]), denominator0)
    weights1, denominator1 = compute_binomial_weights(n, q1)
    power = Fraction(sum(weights1[critical_value:]), denominator1)
    return SingleArmTest(n, q0, q1, level, critical_value, size, power)


def _show(value: Probability) -> str:
    return str(float(value)) if isinstance(value, Fraction) else str(value)
