"""ADLB: laboratory results with CTCAE v5.0 grades and shifts (BDS).

One parameter per LBTESTCD (PARAM "<LBTEST> (<LBSTRESU>)"), AVAL = LBSTRESN in SI units,
ANRLO/ANRHI = LBSTNRLO/LBSTNRHI, ANRIND = LBNRIND (else LOW/NORMAL/HIGH against the range).
Windows, ABLFL, BASE/CHG/PCHG and ANL01FL as for every BDS dataset (``findings``), with the
visits where the ``labs`` form is scheduled. Then:

- ATOXDSCL/ATOXGRL, ATOXDSCH/ATOXGRH, ATOXGR/ATOXGRN (:mod:`psotrial.adam.toxicity`);
  calcium is graded on Payne-corrected calcium with the same-day albumin (architecture.md).
- BNRIND, BTOXGR, BTOXGRN: the baseline record's ANRIND, ATOXGR, ATOXGRN.
- SHIFT1 = "BNRIND to ANRIND", SHIFT2 = "BTOXGR to ATOXGR" (admiral ``derive_var_shift``).

No values are imputed: a missing lab is missing.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from psotrial.adam._frame import parse_dtc_date, require_columns
from psotrial.adam.baseline import derive_var_base
from psotrial.adam.findings import BDS_RECORD_SCHEMA, derive_bds_core
from psotrial.adam.toxicity import derive_var_shift, derive_vars_atoxgr
from psotrial.adam.windows import compute_analysis_windows
from psotrial.protocol import Protocol

__all__ = ["build_adlb", "build_lab_records"]

_LAB_SCHEMA = {
    **BDS_RECORD_SCHEMA,
    "ANRLO": pl.Float64(),
    "ANRHI": pl.Float64(),
    "ANRIND": pl.String(),
}


def build_lab_records(lb: pl.DataFrame | None) -> pl.DataFrame:
    """One record per LB result with a numeric standard value.

    Example:
        >>> lb = pl.DataFrame({"STUDYID": ["S"], "USUBJID": ["S-1"], "LBSEQ": [1],
        ...     "LBTESTCD": ["PLAT"], "LBTEST": ["Platelets"], "LBSTRESN": [74.0],
        ...     "LBSTRESU": ["10^9/L"], "LBSTNRLO": [125.0], "LBSTNRHI": [350.0],
        ...     "LBDTC": ["2026-03-30"]})
        >>> build_lab_records(lb).select("PARAM", "ANRIND", "SRCSEQ").rows()
        [('Platelets (10^9/L)', 'LOW', 1)]
    """
    if lb is None or lb.height == 0:
        return pl.DataFrame(schema=_LAB_SCHEMA)
    require_columns(lb, ["STUDYID", "USUBJID", "LBSEQ", "LBTESTCD", "LBTEST", "LBSTRESN", "LBDTC"])
    data = lb.filter(pl.col("LBSTRESN").is_not_null())

    def optional(column: str, dtype: pl.DataType) -> pl.Expr:
        if column in data.columns:
            return pl.col(column).cast(dtype)
        return pl.lit(None, dtype).alias(column)

    unit = optional("LBSTRESU", pl.String())
    low, high = optional("LBSTNRLO", pl.Float64()), optional("LBSTNRHI", pl.Float64())
    value = pl.col("LBSTRESN").cast(pl.Float64)
    computed = (
        pl.when(low.is_not_null() & (value < low))
        .then(pl.lit("LOW"))
        .when(high.is_not_null() & (value > high))
        .then(pl.lit("HIGH"))
        .when(low.is_not_null() | high.is_not_null())
        .then(pl.lit("NORMAL"))
    )
    nrind = pl.coalesce(optional("LBNRIND", pl.String()), computed)
    param = pl.concat_str(
        [pl.col("LBTEST"), pl.lit(" ("), unit.fill_null(""), pl.lit(")")]
    ).str.replace(r" \(\)$", "")
    return data.select(
        pl.col("STUDYID").cast(pl.String),
        pl.col("USUBJID").cast(pl.String),
        pl.col("LBTESTCD").cast(pl.String).alias("PARAMCD"),
        param.alias("PARAM"),
        pl.lit(None, pl.Int64).alias("PARAMN"),
        value.alias("AVAL"),
        unit.alias("AVALU"),
        parse_dtc_date("LBDTC").alias("ADT"),
        optional("VISITNUM", pl.Float64()),
        optional("VISIT", pl.String()),
        pl.lit("LB").alias("SRCDOM"),
        pl.lit("LBSTRESN").alias("SRCVAR"),
        pl.col("LBSEQ").cast(pl.Int64).alias("SRCSEQ"),
        low.alias("ANRLO"),
        high.alias("ANRHI"),
        nrind.alias("ANRIND"),
    )


def build_adlb(
    sdtm: Mapping[str, pl.DataFrame], protocol: Protocol, *, adsl: pl.DataFrame
) -> pl.DataFrame:
    """ADLB records (not yet sequenced nor merged with ADSL; see ``build_adam``)."""
    records = build_lab_records(sdtm.get("LB"))
    codes = sorted(set(records["PARAMCD"].to_list()))
    records = records.with_columns(
        pl.col("PARAMCD")
        .replace_strict({c: n for n, c in enumerate(codes, start=1)}, default=None)
        .cast(pl.Int64)
        .alias("PARAMN")
    )
    windows = compute_analysis_windows(protocol, form="labs")
    data = derive_bds_core(records, adsl=adsl, windows=windows)
    albumin = (
        data.filter((pl.col("PARAMCD") == "ALB") & pl.col("ADT").is_not_null())
        .group_by(["USUBJID", "ADT"], maintain_order=True)
        .agg(pl.col("AVAL").last().alias("__alb"))
    )
    data = data.join(albumin, on=["USUBJID", "ADT"], how="left", maintain_order="left")
    data = data.with_columns(
        pl.when(pl.col("PARAMCD") == "CA").then(pl.col("__alb")).alias("__alb")
    )
    data = derive_vars_atoxgr(data, albumin_var="__alb").drop("__alb")
    data = derive_var_base(data, source_var="ANRIND", new_var="BNRIND")
    data = derive_var_base(data, source_var="ATOXGR", new_var="BTOXGR")
    data = derive_var_base(data, source_var="ATOXGRN", new_var="BTOXGRN")
    data = derive_var_shift(data, new_var="SHIFT1", from_var="BNRIND", to_var="ANRIND")
    return derive_var_shift(data, new_var="SHIFT2", from_var="BTOXGR", to_var="ATOXGR")
