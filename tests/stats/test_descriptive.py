"""compute_summary and compute_rate on literal values and published intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import FieldError
from psotrial.stats import compute_clopper_pearson, compute_rate, compute_summary


def test_compute_summary_literal_values() -> None:
    s = compute_summary([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, None, float("nan")])
    assert (s.n, s.n_missing, s.mean, s.median, s.minimum, s.maximum) == (8, 2, 5.0, 4.5, 2, 9)
    # sample SD of the textbook data set 2,4,4,4,5,5,7,9 (population SD 2): sqrt(32/7)
    assert s.sd == pytest.approx(math.sqrt(32 / 7))
    # type 7: positions 1.75 and 5.25 (0-based) -> 4 and 5.5
    assert (s.q1, s.q3) == (4.0, 5.5)
    half = 2.364624251592785 * math.sqrt(32 / 7) / math.sqrt(8)  # t(0.975, 7) = 2.3646
    assert s.ci_low == pytest.approx(5 - half)
    assert s.ci_high == pytest.approx(5 + half)


def test_compute_summary_small_n() -> None:
    empty = compute_summary([None])
    assert (empty.n, empty.n_missing, empty.mean, empty.ci_low) == (0, 1, None, None)
    one = compute_summary([3.5])
    assert (one.n, one.mean, one.median, one.sd, one.ci_low) == (1, 3.5, 3.5, None, None)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=40))
def test_compute_summary_quantiles_are_numpy_linear(values: list[float]) -> None:
    s = compute_summary(values)
    q = np.quantile(np.array(values), [0.25, 0.5, 0.75], method="linear")
    assert [s.q1, s.median, s.q3] == pytest.approx(list(q), rel=1e-9, abs=1e-6)
    assert s.minimum is not None
    assert s.maximum is not None
    assert s.mean is not None
    assert s.minimum <= s.mean + 1e-6
    assert s.mean <= s.maximum + 1e-6


# R: binom.test(k, n)$conf.int (Clopper-Pearson), printed to 7 digits.
@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (0, 5, 0.0, 0.5218238),
        (1, 5, 0.005050763, 0.7164179),
        (5, 5, 0.4781762, 1.0),
        (7, 20, 0.1539092, 0.5921885),
        (682, 925, 0.7076683, 0.7654066),
    ],
)
def test_compute_clopper_pearson_published(k: int, n: int, low: float, high: float) -> None:
    lo, hi = compute_clopper_pearson(k, n)
    assert lo == pytest.approx(low, abs=5e-7)
    assert hi == pytest.approx(high, abs=5e-7)
    rate = compute_rate(k, n)
    assert (rate.ci_low, rate.ci_high) == (lo, hi)
    assert rate.proportion == k / n


@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_compute_rate_interval_contains_estimate(case: tuple[int, int]) -> None:
    k, n = case
    rate = compute_rate(k, n)
    assert rate.ci_low is not None
    assert rate.ci_high is not None
    assert rate.proportion is not None
    assert 0 <= rate.ci_low <= rate.proportion <= rate.ci_high <= 1
    assert rate.pct == pytest.approx(100 * k / n)


def test_compute_rate_empty_and_bad_input() -> None:
    assert compute_rate(0, 0).proportion is None
    assert compute_rate(0, 0).pct is None
    with pytest.raises(FieldError, match="0-3"):
        compute_rate(4, 3)
    with pytest.raises(FieldError, match="at least 0"):
        compute_rate(0, -1)
