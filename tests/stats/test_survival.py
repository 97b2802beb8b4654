"""build_kaplan_meier against a hand-computed Kaplan-Meier table."""

from __future__ import annotations

import polars as pl
import pytest

from psotrial.stats import KaplanMeier, NotEstimable, build_kaplan_meier, compute_at_risk


def adtte(times: list[int], censored: list[int]) -> pl.DataFrame:
    n = len(times)
    return pl.DataFrame(
        {"USUBJID": [f"s{i}" for i in range(n)], "PARAMCD": ["TTRELPRO"] * n,
         "PARAM": ["Time to relapse"] * n, "AVAL": times, "CNSR": censored, "FASFL": ["Y"] * n}
    )  # fmt: skip


def test_build_kaplan_meier_hand_computed() -> None:
    # times 10, 20+, 30, 30, 40+ : S(10) = 4/5, S(30) = 4/5 * (1 - 2/3) = 4/15
    km = build_kaplan_meier(adtte([10, 20, 30, 30, 40], [0, 1, 0, 0, 1]), paramcd="TTRELPRO")
    assert isinstance(km, KaplanMeier)
    assert (km.n, km.events, km.censored) == (5, 3, 2)
    steps = {p.time: p for p in km.curve}
    assert steps[10.0].survival == pytest.approx(0.8)
    assert steps[30.0].survival == pytest.approx(4 / 15)
    assert steps[30.0].at_risk == 3
    assert km.median == 30.0
    assert km.median_note is None
    assert km.at_risk_times == (0.0, 28.0)
    assert km.at_risk == (5, 3)
    for p in km.curve:
        assert 0 <= p.ci_low <= p.survival <= p.ci_high <= 1


def test_build_kaplan_meier_median_not_reached() -> None:
    km = build_kaplan_meier(adtte([10, 20, 30], [0, 1, 1]), paramcd="TTRELPRO")
    assert isinstance(km, KaplanMeier)
    assert km.median is None
    assert km.median_note == "not reached"


def test_build_kaplan_meier_no_records() -> None:
    result = build_kaplan_meier(adtte([5], [0]), paramcd="TTPASI50")
    assert isinstance(result, NotEstimable)
    assert "TTPASI50" in result.reason


def test_compute_at_risk() -> None:
    assert compute_at_risk(pl.Series([1.0, 28.0, 29.0]), (0.0, 28.0, 56.0)) == (3, 2, 0)
