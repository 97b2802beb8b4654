"""Kaplan-Meier estimates of ADTTE parameters (lifelines), with numbers at risk. PURE.

Kaplan & Meier (JASA 1958;53:457-481). lifelines ``KaplanMeierFitter``: pointwise 95% CI
by the exponential Greenwood ("log(-log)") formula; the median is the first time the
survival estimate is at or below 0.5, its CI from the pointwise band (Brookmeyer-Crowley
style, lifelines ``median_survival_times``). Time is AVAL in days (ADT - STARTDT + 1);
CNSR = 0 is an event.
"""

from __future__ import annotations

import math
import warnings

import polars as pl

from psotrial.stats.analysis import KaplanMeier, KmPoint, NotEstimable
from psotrial.stats.records import filter_population, require_columns

__all__ = ["AT_RISK_STEP_DAYS", "build_kaplan_meier", "compute_at_risk"]

AT_RISK_STEP_DAYS = 28
"""Numbers at risk are given every four weeks, from day 0 to the last time."""


def compute_at_risk(times: pl.Series, at: tuple[float, ...]) -> tuple[int, ...]:
    """Participants still at risk (time >= t) at each ``t`` of ``at``.

    Example:
        >>> compute_at_risk(pl.Series([5.0, 10.0, 10.0, 30.0]), (0.0, 10.0, 28.0, 56.0))
        (4, 3, 1, 0)
    """
    return tuple(int((times >= t).sum()) for t in at)


def build_kaplan_meier(
    adtte: pl.DataFrame, *, paramcd: str, population: str = "FASFL"
) -> KaplanMeier | NotEstimable:
    """Kaplan-Meier estimate of ``paramcd`` among ``population``.

    Returns:
        The estimate, or :class:`NotEstimable` when there is no record with a time.
    """
    require_columns(adtte, ["USUBJID", "PARAMCD", "PARAM", "AVAL", "CNSR", population], "ADTTE")
    data = filter_population(adtte, population).filter(
        pl.col("PARAMCD") == paramcd, pl.col("AVAL").is_not_null(), pl.col("CNSR").is_not_null()
    )
    if data.height == 0:
        return NotEstimable(f"no {paramcd} records with a time in the population ({population})")
    from lifelines import KaplanMeierFitter  # type: ignore[import-untyped]
    from lifelines.utils import median_survival_times  # type: ignore[import-untyped]

    times = data["AVAL"].cast(pl.Float64)
    events = (data["CNSR"] == 0).cast(pl.Int64)
    kmf = KaplanMeierFitter()
    with warnings.catch_warnings():
        # lifelines and pandas disagree on some deprecations; they say nothing about the fit.
        warnings.simplefilter("ignore", category=FutureWarning)
        warnings.simplefilter("ignore", category=DeprecationWarning)
        kmf.fit(times.to_pandas(), event_observed=events.to_pandas(), label="KM")
        median = float(kmf.median_survival_time_)
        ci = median_survival_times(kmf.confidence_interval_)
    low, high = (float(x) for x in ci.iloc[0].tolist())
    table = kmf.event_table
    survival = kmf.survival_function_["KM"]
    band = kmf.confidence_interval_
    curve = tuple(
        KmPoint(
            time=float(t),
            at_risk=int(table.loc[t, "at_risk"]),
            events=int(table.loc[t, "observed"]),
            censored=int(table.loc[t, "censored"]),
            survival=float(survival.loc[t]),
            ci_low=float(band.loc[t].iloc[0]),
            ci_high=float(band.loc[t].iloc[1]),
        )
        for t in table.index
    )
    last = float(times.max())  # type: ignore[arg-type]
    at = tuple(float(t) for t in range(0, int(last) + 1, AT_RISK_STEP_DAYS))
    param = data["PARAM"].drop_nulls().first()
    reached = math.isfinite(median)
    return KaplanMeier(
        paramcd=paramcd,
        param=str(param if param is not None else paramcd),
        n=data.height,
        events=int(events.sum()),
        censored=int(data.height - events.sum()),
        median=median if reached else None,
        median_ci_low=low if math.isfinite(low) else None,
        median_ci_high=high if math.isfinite(high) else None,
        median_note=None if reached else "not reached",
        curve=curve,
        at_risk_times=at,
        at_risk=compute_at_risk(times, at),
    )
