"""The random-intercept repeated-measures model: equal to statsmodels MixedLM; not estimable."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pytest
from statsmodels.regression.mixed_linear_model import MixedLM

from psotrial.stats import (
    MixedModel,
    NotEstimable,
    build_mixed_model,
    compute_random_intercept_reml,
)


def test_compute_random_intercept_reml_equals_mixedlm() -> None:
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(12), 5)
    x = np.column_stack([np.tile(np.eye(5), (12, 1)), rng.normal(size=60)])
    y = x @ np.array([1, 2, 3, 4, 5, 0.5]) + 1.5 * rng.normal(size=12)[groups] + rng.normal(size=60)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = MixedLM(y, x, groups=groups).fit(reml=True)
    fit = compute_random_intercept_reml(y, x, groups)
    assert fit is not None
    beta, cov, tau2, sigma2, converged = fit
    assert converged
    assert beta == pytest.approx(np.asarray(reference.fe_params), abs=1e-5)
    # MixedLM inverts the observed information of all parameters, ours the fixed-effects
    # block at the REML variances: the two agree to about 0.1%.
    assert np.sqrt(np.diag(cov)) == pytest.approx(np.asarray(reference.bse_fe), rel=2e-3)
    assert tau2 == pytest.approx(float(np.asarray(reference.cov_re)[0, 0]), rel=1e-3)
    assert sigma2 == pytest.approx(float(reference.scale), rel=1e-3)


def bds(n: int, weeks: tuple[int, ...] = (2, 4, 8, 12)) -> pl.DataFrame:
    rng = np.random.default_rng(n)
    rows = []
    for i in range(n):
        base, shift = float(rng.integers(80, 300)) / 10, float(rng.normal())
        for w in weeks:
            chg = round(-0.4 * w + shift + float(rng.normal()), 1)
            rows.append({"USUBJID": f"s{i}", "PARAMCD": "PASITOT", "ANL01FL": "Y", "DTYPE": None,
                         "FASFL": "Y", "AVISIT": f"WEEK {w}", "AVISITN": float(w), "BASE": base,
                         "CHG": chg})  # fmt: skip
    return pl.DataFrame(rows)


def test_build_mixed_model_estimates_per_visit() -> None:
    model = build_mixed_model(bds(30))
    assert isinstance(model, MixedModel)
    assert [e.avisit for e in model.estimates] == ["WEEK 2", "WEEK 4", "WEEK 8", "WEEK 12"]
    assert (model.n_participants, model.n_observations) == (30, 120)
    # the simulated mean change at week 12 is -4.8
    assert model.estimates[-1].ci_low < -4.8 < model.estimates[-1].ci_high
    for e in model.estimates:
        assert e.ci_low < e.estimate < e.ci_high
        assert 0 <= e.p_value <= 1


def test_build_mixed_model_not_estimable() -> None:
    few = build_mixed_model(bds(4))
    assert isinstance(few, NotEstimable)
    assert "at least 5" in few.reason
    one_visit = build_mixed_model(bds(8, weeks=(12,)))
    assert one_visit == NotEstimable("1 post-baseline visit(s); repeated measures need 2")
