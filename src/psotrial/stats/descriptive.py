"""Descriptive statistics of a continuous variable, and a count with its exact CI. PURE.

Quantiles are Hyndman & Fan (Am Stat 1996;50:361-365) definition 7: linear interpolation
between order statistics at position (n - 1)p, R's ``quantile`` default and numpy's
"linear". The mean's 95% CI is the t interval, mean +/- t(0.975, n - 1) x SD / sqrt(n).
Proportions carry the exact Clopper-Pearson interval (Clopper & Pearson, Biometrika
1934;26:404-413), computed by :func:`psotrial.stats.responders.compute_clopper_pearson`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from psotrial.errors import FieldError
from psotrial.stats.analysis import Rate, Summary
from psotrial.stats.responders import compute_clopper_pearson

__all__ = ["compute_rate", "compute_summary"]


def compute_summary(values: pl.Series | Sequence[float | int | None]) -> Summary:
    """n, mean, SD, median, IQR (type 7), min-max and the t 95% CI of the mean.

    Missing values (None, NaN) are counted in ``n_missing`` and left out.

    Args:
        values: the values, as a polars Series or a sequence of numbers.

    Returns:
        A :class:`Summary`; with n = 0 every statistic is None, with n = 1 the SD and CI.

    Example:
        >>> s = compute_summary([1, 2, 3, 4, None])
        >>> s.n, s.n_missing, s.mean, s.median, s.q1, s.q3
        (4, 1, 2.5, 2.5, 1.75, 3.25)
        >>> round(s.sd, 6), round(s.ci_low, 4), round(s.ci_high, 4)
        (1.290994, 0.4457, 4.5543)
    """
    series = values if isinstance(values, pl.Series) else pl.Series(values, dtype=pl.Float64)
    series = series.cast(pl.Float64)
    present = series.fill_nan(None).drop_nulls()
    n = present.len()
    n_missing = series.len() - n
    if n == 0:
        return Summary(0, n_missing, None, None, None, None, None, None, None, None, None)
    frame = present.to_frame("x").select(
        mean=pl.col("x").mean(),
        sd=pl.col("x").std(ddof=1),
        median=pl.col("x").quantile(0.5, interpolation="linear"),
        q1=pl.col("x").quantile(0.25, interpolation="linear"),
        q3=pl.col("x").quantile(0.75, interpolation="linear"),
        minimum=pl.col("x").min(),
        maximum=pl.col("x").max(),
    )
    row = frame.row(0, named=True)
    mean = float(row["mean"])
    sd = None if n < 2 or row["sd"] is None else float(row["sd"])
    ci_low = ci_high = None
    if sd is not None:
        from scipy.stats import t  # type: ignore[import-untyped]

        half = float(t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
        ci_low, ci_high = mean - half, mean + half
    return Summary(
        n=n,
        n_missing=n_missing,
        mean=mean,
        sd=sd,
        median=float(row["median"]),
        q1=float(row["q1"]),
        q3=float(row["q3"]),
        minimum=float(row["minimum"]),
        maximum=float(row["maximum"]),
        ci_low=ci_low,
        ci_high=ci_high,
    )


def compute_rate(count: int, n: int) -> Rate:
    """``count`` of ``n`` as a :class:`Rate` with its Clopper-Pearson 95% CI.

    Raises:
        FieldError: ``n`` < 0 or ``count`` outside 0..n.

    Example:
        >>> r = compute_rate(7, 20)
        >>> r.proportion, round(r.ci_low, 4), round(r.ci_high, 4)
        (0.35, 0.1539, 0.5922)
        >>> compute_rate(0, 0).proportion is None
        True
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise FieldError("n", f"expected an integer of at least 0, got {n!r}")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= n:
        raise FieldError("count", f"expected an integer 0-{n}, got {count!r}")
    if n == 0:
        return Rate(0, 0, None, None, None)
    low, high = compute_clopper_pearson(count, n)
    return Rate(count, n, count / n, low, high)
