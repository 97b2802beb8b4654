"""Wilcoxon signed-rank test of the change from baseline, exact for small n. PURE.

Wilcoxon (Biometrics Bulletin 1945;1:80-83); Hollander, Wolfe & Chicken, *Nonparametric
Statistical Methods* (3rd ed., 2014), section 3.1. Zero differences are dropped (Wilcoxon's
convention, R's ``wilcox.test`` and scipy's ``zero_method="wilcox"``). Tied absolute
differences get mid-ranks. The null distribution of V (the sum of positive ranks) is
computed exactly by enumerating all 2^n sign patterns through a convolution over doubled
ranks, so it is exact with and without ties (without ties it equals scipy's
``method="exact"``, checked in the tests). Above :data:`EXACT_MAX_N` non-zero differences
the normal approximation with tie and continuity corrections is used instead (the
distribution is then indistinguishable from normal and the enumeration would be slow).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from psotrial.stats.analysis import NotEstimable, SignedRankTest

__all__ = ["EXACT_MAX_N", "compute_signed_rank"]

EXACT_MAX_N = 200
"""Largest number of non-zero differences for which the exact distribution is used."""


def compute_signed_rank(
    differences: pl.Series | Sequence[float | int | None],
) -> SignedRankTest | NotEstimable:
    """Two-sided Wilcoxon signed-rank test that the differences are symmetric about 0.

    Args:
        differences: changes from baseline (missing values are ignored).

    Returns:
        The test, or :class:`NotEstimable` when no non-zero difference remains.

    Example (R ``?wilcox.test``, Hollander & Wolfe depression data: V = 40, two-sided
    p = 0.03906):
        >>> x = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
        >>> y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
        >>> test = compute_signed_rank([a - b for a, b in zip(x, y)])
        >>> test.statistic, test.p_value, test.method
        (40.0, 0.0390625, 'exact')
    """
    series = differences if isinstance(differences, pl.Series) else pl.Series(differences)
    values = series.cast(pl.Float64).fill_nan(None).drop_nulls().to_numpy()
    nonzero = values[values != 0]
    n_zero = int(values.size - nonzero.size)
    n = int(nonzero.size)
    if n == 0:
        return NotEstimable(
            "no differences" if values.size == 0 else f"all {values.size} differences are 0"
        )
    ranks = pl.Series(np.abs(nonzero)).rank(method="average").to_numpy()
    v = float(ranks[nonzero > 0].sum())
    has_ties = bool(np.unique(ranks).size < n)
    zero_note = f"{n_zero} zero difference(s) dropped" if n_zero else None
    if n <= EXACT_MAX_N:
        p = _exact_p(ranks, v)
        method: Literal["exact", "exact (ties)"] = "exact (ties)" if has_ties else "exact"
        note = "mid-ranks for tied differences" if has_ties else None
        note = "; ".join(x for x in (zero_note, note) if x) or None
        return SignedRankTest(n, n_zero, v, p, method, note)
    p = _normal_p(ranks, v)
    note = f"normal approximation: n = {n} > {EXACT_MAX_N}"
    note = "; ".join(x for x in (zero_note, note) if x)
    return SignedRankTest(n, n_zero, v, p, "normal approximation", note)


def _exact_p(ranks: np.ndarray, v: float) -> float:
    # Mid-ranks are multiples of 1/2, so doubled ranks are integers and V's distribution is
    # a convolution of n two-point distributions {0, 2r} with probability 1/2 each.
    doubled = np.rint(2 * ranks).astype(np.int64)
    total = int(doubled.sum())
    dist = np.zeros(total + 1)
    dist[0] = 1.0
    for r in doubled:
        shifted = np.zeros_like(dist)
        shifted[r:] = dist[: total + 1 - r]
        dist = (dist + shifted) / 2
    target = round(2 * v)
    lower = float(dist[: target + 1].sum())
    upper = float(dist[target:].sum())
    return min(1.0, 2 * min(lower, upper))


def _normal_p(ranks: np.ndarray, v: float) -> float:
    from scipy.stats import norm  # type: ignore[import-untyped]

    n = ranks.size
    mean = n * (n + 1) / 4
    _, counts = np.unique(ranks, return_counts=True)
    variance = n * (n + 1) * (2 * n + 1) / 24 - float((counts**3 - counts).sum()) / 48
    if variance <= 0:
        return 1.0
    z = (abs(v - mean) - 0.5) / math.sqrt(variance)
    return min(1.0, float(2 * norm.sf(max(z, 0.0))))
