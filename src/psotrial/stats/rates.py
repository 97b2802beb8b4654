"""Responder rates per visit from ADaM criterion flags, observed and NRI. PURE.

The response itself is decided by ADaM (ADPASI CRIT1-4FL = PASI-50/75/90/100 on integer
tenths, ADQS CRIT1FL = MCID, CRIT2FL = DLQI 0/1); here it is only counted. Observed cases:
analysis records (ANL01FL = Y) with DTYPE null and a non-null flag. Non-responder
imputation (NRI): the same plus the DTYPE "NRI" records, whose flags are "N". ADaM adds NRI
records only at visits a participant should have had (left the study, or the window closed
before the last contact), so a participant still on study is never counted as a failure.
"""

from __future__ import annotations

import polars as pl

from psotrial.stats.analysis import (
    OutcomeHeader,
    ResponderOutcome,
    ResponderRate,
    ResponderRow,
    ResponderTable,
)
from psotrial.stats.descriptive import compute_rate
from psotrial.stats.records import filter_population, require_columns

__all__ = [
    "PASI_CRITERIA",
    "build_responder_outcome",
    "build_responder_rates",
    "build_responder_table",
]

PASI_CRITERIA: tuple[tuple[str, str], ...] = (
    ("CRIT1FL", "PASI-50"),
    ("CRIT2FL", "PASI-75"),
    ("CRIT3FL", "PASI-90"),
    ("CRIT4FL", "PASI-100"),
)
"""ADPASI flag and label of each PASI response criterion."""


def build_responder_rates(
    bds: pl.DataFrame,
    *,
    paramcd: str,
    flag: str,
    label: str,
    population: str = "FASFL",
) -> tuple[ResponderRate, ...]:
    """Responders to ``flag`` at each post-baseline analysis visit, observed and NRI.

    ``nri`` is None when the dataset holds no DTYPE "NRI" record of ``paramcd`` (built
    without non-responder imputation).

    Example:
        >>> bds = pl.DataFrame({"USUBJID": ["a", "b", "c"], "PARAMCD": ["P"] * 3,
        ...     "ANL01FL": ["Y"] * 3, "DTYPE": [None, None, "NRI"], "FASFL": ["Y"] * 3,
        ...     "AVISIT": ["WEEK 12"] * 3, "AVISITN": [12.0] * 3, "CRIT1": ["x"] * 3,
        ...     "CRIT1FL": ["Y", "N", "N"]})
        >>> rate = build_responder_rates(bds, paramcd="P", flag="CRIT1FL", label="R")[0]
        >>> (rate.observed.count, rate.observed.n), (rate.nri.count, rate.nri.n)
        ((1, 2), (1, 3))
    """
    require_columns(bds, ["PARAMCD", "ANL01FL", "DTYPE", "AVISIT", "AVISITN", flag], "BDS")
    data = filter_population(bds, population).filter(
        pl.col("PARAMCD") == paramcd,
        pl.col("ANL01FL") == "Y",
        pl.col("AVISITN") > 0,
        pl.col(flag).is_not_null(),
    )
    has_nri = bool((data["DTYPE"] == "NRI").any())
    observed = pl.col("DTYPE").is_null()
    counted = observed | (pl.col("DTYPE") == "NRI")
    yes = pl.col(flag) == "Y"
    crit = flag.removesuffix("FL")
    criterion = pl.col(crit).drop_nulls().first() if crit in data.columns else pl.lit(label)
    table = (
        data.group_by("AVISIT", "AVISITN")
        .agg(
            obs_y=(observed & yes).sum(),
            obs_n=observed.sum(),
            nri_y=(counted & yes).sum(),
            nri_n=counted.sum(),
            criterion=criterion,
        )
        .sort("AVISITN")
    )
    return tuple(
        ResponderRate(
            label=label,
            criterion=str(r["criterion"] or label),
            avisit=r["AVISIT"],
            avisitn=float(r["AVISITN"]),
            observed=compute_rate(int(r["obs_y"]), int(r["obs_n"])),
            nri=compute_rate(int(r["nri_y"]), int(r["nri_n"])) if has_nri else None,
        )
        for r in table.iter_rows(named=True)
    )


def build_responder_table(adpasi: pl.DataFrame, *, population: str = "FASFL") -> ResponderTable:
    """PASI-50/75/90/100 at every post-baseline visit (ADPASI PASITOT CRIT1-4FL)."""
    by_label = {
        label: build_responder_rates(
            adpasi, paramcd="PASITOT", flag=flag, label=label, population=population
        )
        for flag, label in PASI_CRITERIA
    }
    visits = sorted({(r.avisitn, r.avisit) for rates in by_label.values() for r in rates})
    rows = []
    for avisitn, avisit in visits:
        rates = tuple(r for label in by_label for r in by_label[label] if r.avisit == avisit)
        rows.append(ResponderRow(avisit, avisitn, rates))
    return ResponderTable(population, tuple(label for _, label in PASI_CRITERIA), tuple(rows))


def build_responder_outcome(
    table: ResponderTable, *, label: str, avisit: str, outcome: OutcomeHeader | None
) -> ResponderOutcome:
    """One criterion of ``table``: its rate at ``avisit`` (NRI if present) and every visit.

    When ``avisit`` has no records at all the primary rate is 0 of 0 (shown as n = 0,
    never dropped).
    """
    by_visit = tuple(r for row in table.rows for r in row.rates if r.label == label)
    primary = next((r for r in by_visit if r.avisit == avisit), None)
    if primary is None:
        empty = compute_rate(0, 0)
        primary = ResponderRate(label, label, avisit, float("nan"), empty, None)
    return ResponderOutcome(outcome, label, avisit, primary, by_visit)
