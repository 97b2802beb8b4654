"""compute_signed_rank: R's worked example, exactness with ties, zeros, large n."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata, wilcoxon

from psotrial.stats import NotEstimable, SignedRankTest, compute_signed_rank

# Hollander & Wolfe (1973) p. 29, depression scale, as in R ?wilcox.test:
# wilcox.test(x, y, paired = TRUE) -> V = 40, p-value = 0.03906
X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


def brute_force_p(differences: list[float]) -> float:
    d = np.array([x for x in differences if x != 0])
    ranks = rankdata(np.abs(d))
    v = ranks[d > 0].sum()
    values = [
        sum(r for r, s in zip(ranks, signs, strict=False) if s)
        for signs in itertools.product([0, 1], repeat=d.size)
    ]
    lower = np.mean([x <= v + 1e-9 for x in values])
    upper = np.mean([x >= v - 1e-9 for x in values])
    return float(min(1.0, 2 * min(lower, upper)))


def test_compute_signed_rank_r_example() -> None:
    test = compute_signed_rank([a - b for a, b in zip(X, Y, strict=False)])
    assert test == SignedRankTest(9, 0, 40.0, 0.0390625, "exact", None)


def test_compute_signed_rank_ties_and_zeros_are_exact() -> None:
    differences = [1.0, 2.0, 2.0, -3.0, 0.0, 5.0, -2.0]
    test = compute_signed_rank(differences)
    assert isinstance(test, SignedRankTest)
    assert (test.n, test.n_zero, test.method) == (6, 1, "exact (ties)")
    assert test.note == "1 zero difference(s) dropped; mid-ranks for tied differences"
    assert test.p_value == pytest.approx(brute_force_p(differences))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(-30, 30), min_size=1, max_size=12))
def test_compute_signed_rank_matches_enumeration(values: list[int]) -> None:
    test = compute_signed_rank([float(v) for v in values])
    if all(v == 0 for v in values):
        assert isinstance(test, NotEstimable)
        return
    assert isinstance(test, SignedRankTest)
    assert test.p_value == pytest.approx(brute_force_p([float(v) for v in values]))
    assert 0 < test.p_value <= 1


def test_compute_signed_rank_without_ties_equals_scipy_exact() -> None:
    d = np.random.default_rng(5).normal(0.3, 1, size=25)
    test = compute_signed_rank(list(d))
    assert isinstance(test, SignedRankTest)
    assert test.p_value == pytest.approx(float(wilcoxon(d, method="exact").pvalue), rel=1e-9)


def test_compute_signed_rank_large_n_uses_normal_approximation() -> None:
    d = np.round(np.random.default_rng(6).normal(0.05, 1, size=400), 1)
    test = compute_signed_rank(list(d))
    assert isinstance(test, SignedRankTest)
    assert test.method == "normal approximation"
    expected = wilcoxon(d, method="approx", correction=True).pvalue
    assert test.p_value == pytest.approx(float(expected), rel=1e-6)


def test_compute_signed_rank_not_estimable() -> None:
    assert compute_signed_rank([]) == NotEstimable("no differences")
    assert compute_signed_rank([0.0, 0.0, None]) == NotEstimable("all 2 differences are 0")
