"""ADPASI: PASI total, components and improvement rate per analysis visit (BDS).

Parameters (RS, RSCAT "PASI FELDMAN", cdisc.md §1.2):

- PASITOT "PASI Total Score" from RSTESTCD PASI0229 (0-72, steps of 0.1).
- The 28 component items and regional subtotals PASI0201-PASI0228 keep their RSTESTCD as
  PARAMCD and RSTEST as PARAM.
- PASIIMPR "PASI Improvement Rate (%)" (PARAMTYP DERIVED): one record per PASITOT record
  with AVAL = (BASE - AVAL)/BASE x 100 of that record, exact (Fraction) and rounded once to
  a float, never clamped, null for a baseline of 0 (architecture.md). It equals -PCHG of the
  PASITOT record; it is its own parameter so that the protocol's primary endpoint is an AVAL.

Responder criteria on PASITOT, decided EXACTLY on integer tenths by
:func:`psotrial.instruments.check_pasi_response` (``100*(B - P) >= x*B``; domain.md §1.2):
CRIT1 PASI-50, CRIT2 PASI-75, CRIT3 PASI-90, CRIT4 PASI-100 (P = 0), each "Y"/"N", null
without a (non-zero) baseline.

Imputation (``imputation``): "nri" adds DTYPE "NRI" PASITOT/PASIIMPR records with every
CRITyFL "N" for expected visits without an analysis value; "locf" adds DTYPE "LOCF" records
for every parameter carrying the last analysis value forward (CRIT flags recomputed); "none"
adds nothing. Expected visits: see :func:`psotrial.adam.findings.build_expected_visits`.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Literal

import polars as pl

from psotrial.adam._frame import temp_name
from psotrial.adam.criteria import derive_vars_crit_flag
from psotrial.adam.findings import (
    POST_BASELINE,
    ParamSource,
    build_expected_visits,
    build_param_records,
    derive_bds_changes,
    derive_bds_core,
)
from psotrial.adam.imputation import derive_locf_records, derive_nri_records
from psotrial.adam.windows import compute_analysis_windows
from psotrial.instruments import check_pasi_response, compute_improvement, to_tenths
from psotrial.protocol import Protocol

__all__ = ["PASI_CRITERIA", "PASI_SOURCES", "build_adpasi", "derive_vars_pasi_crit"]

Imputation = Literal["nri", "locf", "none"]

PASI_SOURCES: tuple[ParamSource, ...] = (
    ParamSource("RS", "PASI0229", "PASITOT", 1, "PASI Total Score"),
    *(ParamSource("RS", f"PASI02{n:02d}", f"PASI02{n:02d}", 100 + n) for n in range(1, 29)),
)

# (CRIT number, percent improvement, description); 100 is PASI-100, P = 0.
PASI_CRITERIA: tuple[tuple[int, int, str], ...] = (
    (1, 50, "PASI 50: 100*(BASE-AVAL) >= 50*BASE"),
    (2, 75, "PASI 75: 100*(BASE-AVAL) >= 75*BASE"),
    (3, 90, "PASI 90: 100*(BASE-AVAL) >= 90*BASE"),
    (4, 100, "PASI 100: AVAL = 0"),
)

_KEEP = ("STUDYID", "PARAM", "PARAMN", "AVALU", "TRTSDT", "TRTEDT")


def derive_vars_pasi_crit(dataset: pl.DataFrame, *, filter: pl.Expr) -> pl.DataFrame:
    """Add CRIT1-CRIT4 (PASI-50/75/90/100) on the records in ``filter``, exact on tenths.

    Example:
        >>> ds = pl.DataFrame({"AVAL": [1.9, 2.5, 0.9, 0.0], "BASE": [7.6, 9.9, 9.0, 8.1]})
        >>> out = derive_vars_pasi_crit(ds, filter=pl.lit(True))
        >>> out.select("CRIT2FL", "CRIT3FL", "CRIT4FL").rows()
        [('Y', 'N', 'N'), ('N', 'N', 'N'), ('Y', 'Y', 'N'), ('Y', 'Y', 'Y')]
    """
    values, bases = dataset["AVAL"].to_list(), dataset["BASE"].to_list()
    for number, percent, description in PASI_CRITERIA:
        met = [_responds(value, base, percent) for value, base in zip(values, bases, strict=True)]
        column = temp_name(dataset, "met")
        dataset = derive_vars_crit_flag(
            dataset.with_columns(pl.Series(column, met, dtype=pl.Boolean)),
            crit_nr=number,
            condition=pl.col(column),
            description=description,
            filter=filter,
        ).drop(column)
    return dataset


def _responds(value: float | None, base: float | None, percent: int) -> bool | None:
    if value is None or base is None:
        return None
    base_tenths = to_tenths(base, "BASE")
    if base_tenths == 0:
        return None
    return check_pasi_response(base_tenths, to_tenths(value, "AVAL"), percent)


def _improvement(value: float | None, base: float | None) -> float | None:
    if value is None or base is None:
        return None
    base_tenths = to_tenths(base, "BASE")
    if base_tenths == 0:
        return None
    rate: Fraction = compute_improvement(base_tenths, to_tenths(value, "AVAL"))
    return float(rate)


def build_adpasi(
    sdtm: Mapping[str, pl.DataFrame],
    protocol: Protocol,
    *,
    adsl: pl.DataFrame,
    imputation: Imputation = "nri",
) -> pl.DataFrame:
    """ADPASI records (not yet sequenced nor merged with ADSL; see ``build_adam``).

    ``adsl`` needs STUDYID, USUBJID, TRTSDT, TRTEDT, and for imputation FASFL, LSTALVDT and
    EOSSTT.
    """
    windows = compute_analysis_windows(protocol, form="pasi")
    records = build_param_records(sdtm, PASI_SOURCES)
    data = derive_bds_core(records, adsl=adsl, windows=windows)
    if imputation != "none":
        paramcds = ["PASITOT"] if imputation == "nri" else [s.paramcd for s in PASI_SOURCES]
        expected = build_expected_visits(data, adsl=adsl, windows=windows, paramcds=paramcds)
    if imputation == "locf":
        data = derive_locf_records(data, dataset_ref=expected, keep_vars=_KEEP)
        data = derive_bds_changes(data)
    not_nri = pl.col("DTYPE").is_null() | (pl.col("DTYPE") != "NRI")
    scored = (pl.col("PARAMCD") == "PASITOT") & not_nri & POST_BASELINE.fill_null(False)
    data = derive_vars_pasi_crit(data, filter=scored)
    if imputation == "nri":
        data = derive_nri_records(
            data, dataset_ref=expected, crit_nrs=[c[0] for c in PASI_CRITERIA], keep_vars=_KEEP
        )
        data = derive_bds_changes(data)
    return pl.concat([data, _improvement_records(data)], how="diagonal_relaxed")


def _improvement_records(data: pl.DataFrame) -> pl.DataFrame:
    """PASIIMPR from each PASITOT record after baseline (the rate is 0 by definition at
    baseline and undefined before it)."""
    total = data.filter(
        (pl.col("PARAMCD") == "PASITOT")
        & pl.col("BASE").is_not_null()
        & (pl.col("ABLFL").is_null())
        & (pl.col("ADT").is_null() | (pl.col("ADT") > pl.col("TRTSDT")))
    )
    rates = [
        _improvement(value, base)
        for value, base in zip(total["AVAL"].to_list(), total["BASE"].to_list(), strict=True)
    ]
    drop = [c for c in total.columns if c.startswith("CRIT") or c in ("BASE", "CHG", "PCHG")]
    return total.drop(drop).with_columns(
        pl.lit("PASIIMPR").alias("PARAMCD"),
        pl.lit("PASI Improvement Rate (%)").alias("PARAM"),
        pl.lit(2, pl.Int64).alias("PARAMN"),
        pl.lit("%").alias("AVALU"),
        pl.Series("AVAL", rates, dtype=pl.Float64),
        pl.lit("DERIVED").alias("PARAMTYP"),
    )
