"""Mixed model for repeated measures of the PASI change from baseline. PURE.

Model: ``CHG ~ 0 + C(AVISIT) + BASEC`` with a random intercept per participant, REML, on
observed post-baseline analysis records of the full analysis set; ``BASEC`` is the
baseline centred on its mean, so each visit coefficient is the adjusted mean change at the
mean baseline. It is the model of statsmodels ``MixedLM`` (the tests check equal
estimates), fitted by :func:`compute_random_intercept_reml`, a vectorised profiled REML:
MixedLM loops over participants in Python (6 s for 10,000, a minute for 100,000). Standard
errors are model-based, CIs and p-values normal (no small-sample degrees of freedom).

Why a random intercept and not an unstructured covariance (the usual MMRM of Mallinckrodt
et al., Drug Inf J 2008;42:303-319): with eight post-baseline visits an unstructured
matrix has 36 covariance parameters, which a phase 1/2 trial of a handful of participants
cannot estimate; the random intercept (compound symmetry) needs two. It is still a
likelihood-based repeated-measures analysis, valid when data are missing at random.

The model is reported as not estimable, with the reason, when there are fewer than
:data:`MIN_PARTICIPANTS` participants, fewer than two post-baseline visits, no more
observations than fixed effects plus participants, or the information matrix is singular;
it is never dropped.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import polars as pl

from psotrial.stats.analysis import MixedModel, MixedModelEstimate, NotEstimable
from psotrial.stats.records import filter_analysis_records, filter_population, require_columns

__all__ = ["MIN_PARTICIPANTS", "build_mixed_model", "compute_random_intercept_reml"]

MIN_PARTICIPANTS = 5
"""Fewest participants with a post-baseline value for which the model is fitted."""

_FORMULA = "CHG ~ 0 + C(AVISIT) + BASEC, random intercept per USUBJID (REML)"


def build_mixed_model(
    bds: pl.DataFrame, *, paramcd: str = "PASITOT", population: str = "FASFL"
) -> MixedModel | NotEstimable:
    """Fit the mixed model of ``paramcd``'s change from baseline over visits.

    Returns:
        The estimates per visit, or :class:`NotEstimable` with the reason.
    """
    require_columns(bds, ["USUBJID", "AVISIT", "AVISITN", "CHG", "BASE", population], "BDS")
    data = (
        filter_analysis_records(filter_population(bds, population), paramcd)
        .filter(pl.col("AVISITN") > 0, pl.col("CHG").is_not_null(), pl.col("BASE").is_not_null())
        .select("USUBJID", "AVISIT", "AVISITN", "CHG", "BASE")
        .sort("USUBJID", "AVISITN")
    )
    n_participants = data["USUBJID"].n_unique()
    visits = data.select("AVISIT", "AVISITN").unique().sort("AVISITN")
    n_fixed = visits.height + 1
    if n_participants < MIN_PARTICIPANTS:
        return NotEstimable(
            f"{n_participants} participant(s) with a post-baseline {paramcd}; the model needs "
            f"at least {MIN_PARTICIPANTS}"
        )
    if visits.height < 2:
        return NotEstimable(f"{visits.height} post-baseline visit(s); repeated measures need 2")
    if data.height <= n_fixed + n_participants:
        return NotEstimable(
            f"{data.height} observations for {n_fixed} fixed effects and {n_participants} "
            "random intercepts"
        )
    import numpy as np

    order = visits["AVISIT"].to_list()
    codes = data["AVISIT"].cast(pl.Enum(order)).to_physical().to_numpy()
    base = data["BASE"].to_numpy()
    x = np.zeros((data.height, len(order) + 1))
    x[np.arange(data.height), codes] = 1.0
    x[:, -1] = base - base.mean()
    groups = data["USUBJID"].rank("dense").cast(pl.Int64).to_numpy() - 1
    fit = compute_random_intercept_reml(data["CHG"].to_numpy(), x, groups)
    if fit is None:
        return NotEstimable("the fixed-effects information matrix is singular")
    beta, cov, random_var, residual_var, converged = fit
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    from scipy.stats import norm  # type: ignore[import-untyped]

    z = float(norm.ppf(0.975))
    estimates = tuple(
        MixedModelEstimate(
            avisit=avisit,
            avisitn=float(avisitn),
            estimate=float(beta[i]),
            se=float(se[i]),
            ci_low=float(beta[i] - z * se[i]),
            ci_high=float(beta[i] + z * se[i]),
            p_value=float(2 * norm.sf(abs(beta[i] / se[i]))) if se[i] > 0 else math.nan,
        )
        for i, (avisit, avisitn) in enumerate(visits.iter_rows())
    )
    return MixedModel(
        paramcd=paramcd,
        formula=_FORMULA,
        n_participants=n_participants,
        n_observations=data.height,
        converged=converged,
        estimates=estimates,
        random_intercept_var=random_var,
        residual_var=residual_var,
    )


def compute_random_intercept_reml(
    y: Any, x: Any, groups: Any
) -> tuple[Any, Any, float, float, bool] | None:
    """REML fit of ``y = X b + u_group + e`` (u ~ N(0, tau2), e ~ N(0, sigma2)).

    The same model and likelihood as statsmodels ``MixedLM(y, x, groups).fit(reml=True)``
    (checked in the tests), computed without a loop over participants: with the variance
    ratio ``theta = tau2 / sigma2`` each participant's inverse covariance is
    ``(I - c J) / sigma2`` with ``c = theta / (1 + m theta)``, so every cross-product is a
    sum over groups. The profiled REML log-likelihood is maximised over ``log theta``
    (bounded), and ``theta = 0`` (no between-participant variance) is also tried.

    Args:
        y: responses (n,); x: fixed-effects design (n, p); groups: integer codes 0..g-1.

    Returns:
        ``(beta, cov_beta, tau2, sigma2, converged)``, or None when X'V^-1 X is singular.
    """
    from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]

    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    groups = np.asarray(groups, dtype=np.int64)
    n, p = x.shape
    g = int(groups.max()) + 1
    m = np.bincount(groups, minlength=g).astype(float)
    sx = np.stack([np.bincount(groups, x[:, k], minlength=g) for k in range(p)], axis=1)
    sy = np.bincount(groups, y, minlength=g)
    xtx, xty = x.T @ x, x.T @ y

    def solve(theta: float) -> tuple[float, Any, Any, float] | None:
        c = theta / (1 + m * theta)
        a = xtx - sx.T @ (c[:, None] * sx)
        b = xty - sx.T @ (c * sy)
        sign, logdet_a = np.linalg.slogdet(a)
        if sign <= 0:
            return None
        beta = np.linalg.solve(a, b)
        r = y - x @ beta
        quad = float(r @ r - (c * np.bincount(groups, r, minlength=g) ** 2).sum())
        sigma2 = quad / (n - p)
        if sigma2 <= 0:
            return None
        loglik = -0.5 * ((n - p) * math.log(sigma2) + np.log1p(m * theta).sum() + logdet_a)
        return float(loglik), beta, a, sigma2

    def objective(log_theta: float) -> float:
        solved = solve(math.exp(log_theta))
        return math.inf if solved is None else -solved[0]

    best = minimize_scalar(objective, bounds=(-20.0, 10.0), method="bounded")
    candidates = [(0.0, solve(0.0)), (math.exp(best.x), solve(math.exp(best.x)))]
    usable = [(t, s) for t, s in candidates if s is not None]
    if not usable:
        return None
    theta, (_, beta, a, sigma2) = max(usable, key=lambda item: item[1][0])
    cov = sigma2 * np.linalg.inv(a)
    return beta, cov, theta * sigma2, sigma2, bool(best.success)
