"""The exact one-sided binomial test: critical value, size and power, decided exactly."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from math import comb

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom  # type: ignore[import-untyped]

from psotrial.errors import FieldError
from psotrial.stats.single_arm import (
    check_probability,
    compute_binomial_weights,
    compute_single_arm_test,
)

# n, p0, p1, alpha -> critical value r (reject when X >= r), size, power to 4 decimals.
# Hand-checkable rows: P(X >= 1 | n = 1) = p; P(X >= 3 | 3, 1/2) = 1/8 exactly; the
# 0.05 vs 0.20 row agrees with R's 1 - pbinom(3, 25, p).
LITERAL = [
    (1, "0.01", "0.5", "0.05", 1, "0.0100", "0.5000"),
    (3, "0.5", "0.9", "0.125", 3, "0.1250", "0.7290"),
    (3, "0.5", "0.9", "0.12", 4, "0.0000", "0.0000"),
    (25, "0.05", "0.20", "0.05", 4, "0.0341", "0.7660"),
    (20, "0.10", "0.30", "0.10", 5, "0.0432", "0.7625"),
]


@pytest.mark.parametrize(("n", "p0", "p1", "alpha", "critical", "size", "power"), LITERAL)
def test_compute_single_arm_test_literal(
    n: int, p0: str, p1: str, alpha: str, critical: int, size: str, power: str
) -> None:
    test = compute_single_arm_test(n, p0, p1, alpha=alpha)
    assert test.critical_value == critical
    assert f"{float(test.size):.4f}" == size
    assert f"{float(test.power):.4f}" == power


def test_compute_single_arm_test_size_equal_to_alpha_rejects() -> None:
    # P(X >= 3 | n = 3, p = 1/2) is exactly 1/8: at alpha 0.125 the test may reject.
    test = compute_single_arm_test(3, Fraction(1, 2), Fraction(9, 10), alpha=Decimal("0.125"))
    assert (test.critical_value, test.size) == (3, Fraction(1, 8))


def test_compute_binomial_weights_exact() -> None:
    weights, denominator = compute_binomial_weights(5, Fraction(1, 3))
    assert [Fraction(w, denominator) for w in weights] == [
        comb(5, x) * Fraction(1, 3) ** x * Fraction(2, 3) ** (5 - x) for x in range(6)
    ]
    assert sum(weights) == denominator


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=200),
    p0=st.integers(min_value=1, max_value=90).map(lambda k: Fraction(k, 100)),
    alpha=st.sampled_from([Fraction(1, 100), Fraction(1, 40), Fraction(1, 20), Fraction(1, 10)]),
)
def test_compute_single_arm_test_is_the_smallest_level_alpha_cut(
    n: int, p0: Fraction, alpha: Fraction
) -> None:
    p1 = p0 + (1 - p0) / 2
    test = compute_single_arm_test(n, p0, p1, alpha=alpha)
    r = test.critical_value
    assert test.size <= alpha
    if r >= 1:
        # One fewer responder would exceed alpha (checked against scipy, away from ties).
        assert binom.sf(r - 2, n, float(p0)) > float(alpha) * (1 - 1e-9)
    assert test.size == pytest.approx(binom.sf(r - 1, n, float(p0)), rel=1e-9, abs=1e-300)
    assert test.power == pytest.approx(binom.sf(r - 1, n, float(p1)), rel=1e-9, abs=1e-300)
    assert test.power >= test.size


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0, "0.1", "0.3"), "n"),
        ((10_001, "0.1", "0.3"), "n"),
        ((10, "0.3", "0.1"), "p1"),
        ((10, "0", "0.3"), "p0"),
        ((10, "0.1", "1.0"), "p1"),
        ((10, "0.1", "zero"), "p1"),
    ],
)
def test_compute_single_arm_test_names_the_bad_input(
    args: tuple[int, str, str], field: str
) -> None:
    with pytest.raises(FieldError) as info:
        compute_single_arm_test(*args)
    assert info.value.field == field


def test_check_probability_reads_floats_through_repr() -> None:
    assert check_probability(0.1, "p") == Fraction(1, 10)
    with pytest.raises(FieldError, match="strictly between 0 and 1"):
        check_probability(1.0, "p")
