"""ADAE: adverse events for analysis (OCCDS; cdisc.md §2.3).

- ASTDT/ASTDTF from AESTDTC, a partial date imputed to the first day of its month or year,
  but not before TRTSDT when that month (year) holds TRTSDT (admiral ``min_dates``);
  AENDT/AENDTF from AEENDTC imputed to the last day (admiral ``derive_vars_dt``,
  ``highest_imputation = "M"``); ASTDY/AENDY from TRTSDT.
- TRTEMFL: onset on or after the first infusion, through the end of follow-up (domain.md
  §7.3; :func:`psotrial.adam.occurrence.derive_var_trtemfl` without an end window).
- ATOXGR/ATOXGRN: the CTCAE grade AETOXGR. ASEV: AESEV when collected; this CRF collects
  the CTCAE grade instead, so ASEV is derived from it as CTCAE's generic meaning of the
  grades does: 1 MILD, 2 MODERATE, 3-5 SEVERE (domain.md §7.2).
- AREL: AEREL (sponsor-defined, no CDISC codelist); RELGR1 pools it: NOT RELATED and
  UNLIKELY RELATED are "NOT RELATED", any other relatedness "RELATED".
- ASER: AESER. AESEQ is kept for traceability to AE.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from psotrial.adam.dates import derive_vars_dt, derive_vars_dy
from psotrial.adam.merge import derive_vars_merged
from psotrial.adam.occurrence import derive_var_trtemfl

__all__ = ["AE_COLUMNS", "build_adae"]

AE_COLUMNS = (
    "STUDYID", "USUBJID", "AESEQ", "AETERM", "AELLT", "AELLTCD", "AEDECOD", "AEBODSYS",
    "AESOC", "AESTDTC", "AEENDTC", "AESEV", "AETOXGR", "AESER", "AEREL", "AEACN", "AEOUT",
)  # fmt: skip

_NOT_RELATED = ["NOT RELATED", "UNLIKELY RELATED"]


def build_adae(sdtm: Mapping[str, pl.DataFrame], *, adsl: pl.DataFrame) -> pl.DataFrame:
    """ADAE records (not yet merged with all ADSL variables; see ``build_adam``)."""
    ae = sdtm.get("AE")
    if ae is None:
        ae = pl.DataFrame(schema=dict.fromkeys(AE_COLUMNS, pl.String))
    data = ae.select(
        pl.col(c) if c in ae.columns else pl.lit(None, pl.String).alias(c) for c in AE_COLUMNS
    ).with_columns(pl.col("AESEQ").cast(pl.Int64))
    data = derive_vars_merged(
        data, dataset_add=adsl, by_vars=["STUDYID", "USUBJID"], new_vars=["TRTSDT", "TRTEDT"]
    )
    data = derive_vars_dt(data, new_vars_prefix="AST", dtc="AESTDTC", highest_imputation="M")
    data = derive_vars_dt(
        data,
        new_vars_prefix="AEN",
        dtc="AEENDTC",
        highest_imputation="M",
        date_imputation="last",
    )
    # admiral ``min_dates = exprs(TRTSDT)``: a partial start date whose month (or year) holds
    # the first infusion is imputed no earlier than it, so a possible TEAE is not lost.
    same_month = (pl.col("ASTDT").dt.year() == pl.col("TRTSDT").dt.year()) & (
        (pl.col("ASTDTF") == "M") | (pl.col("ASTDT").dt.month() == pl.col("TRTSDT").dt.month())
    )
    data = data.with_columns(
        pl.when(pl.col("ASTDTF").is_not_null() & same_month & (pl.col("ASTDT") < pl.col("TRTSDT")))
        .then(pl.col("TRTSDT"))
        .otherwise(pl.col("ASTDT"))
        .alias("ASTDT")
    )
    data = derive_vars_dy(data, reference_date="TRTSDT", source_vars=["ASTDT", "AENDT"])
    data = derive_var_trtemfl(data)
    grade = pl.col("AETOXGR").cast(pl.Int64, strict=False)
    derived_severity = (
        pl.when(grade == 1)
        .then(pl.lit("MILD"))
        .when(grade == 2)
        .then(pl.lit("MODERATE"))
        .when(grade >= 3)
        .then(pl.lit("SEVERE"))
    )
    return data.with_columns(
        pl.coalesce(pl.col("AESEV").cast(pl.String), derived_severity).alias("ASEV"),
        pl.col("AETOXGR").cast(pl.String).alias("ATOXGR"),
        grade.alias("ATOXGRN"),
        pl.col("AEREL").cast(pl.String).alias("AREL"),
        pl.when(pl.col("AEREL").is_in(_NOT_RELATED))
        .then(pl.lit("NOT RELATED"))
        .when(pl.col("AEREL").is_not_null())
        .then(pl.lit("RELATED"))
        .alias("RELGR1"),
        pl.col("AESER").cast(pl.String).alias("ASER"),
    )
