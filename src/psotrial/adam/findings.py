"""Findings records for the BDS datasets: SDTM rows to parameters, and the shared pipeline.

A :class:`ParamSource` names one SDTM test (domain, --TESTCD, optionally --CAT) and the
parameter it becomes. :func:`build_param_records` reads AVAL from --STRESN and ADT from
--DTC, and keeps the trace back to the SDTM record in SRCDOM/SRCVAR/SRCSEQ (ADaMIG 1.3
§3.3.9). :func:`derive_bds_core` then adds, in admiral order: the ADSL dates, ADY, the
analysis windows, ABLFL, BASE, CHG, PCHG and ANL01FL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

import polars as pl

from psotrial.adam._frame import parse_dtc_date
from psotrial.adam.baseline import derive_var_ablfl, derive_var_base
from psotrial.adam.change import derive_var_chg, derive_var_pchg
from psotrial.adam.dates import derive_vars_dy
from psotrial.adam.merge import derive_vars_merged
from psotrial.adam.windows import AnalysisWindow, derive_var_anl01fl, derive_vars_avisit

__all__ = [
    "BDS_RECORD_SCHEMA",
    "POST_BASELINE",
    "ParamSource",
    "build_expected_visits",
    "build_param_records",
    "derive_bds_changes",
    "derive_bds_core",
]


@dataclass(frozen=True)
class ParamSource:
    """One SDTM test as an analysis parameter.

    ``param`` None takes PARAM from --TEST; ``category`` filters on --CAT and ``location``
    on --LOC (FA holds BSA per region and, at FALOC "SKIN", in total); ``unit`` None takes
    AVALU from --STRESU when the domain has it.
    """

    domain: str
    testcd: str
    paramcd: str
    paramn: int
    param: str | None = None
    category: str | None = None
    location: str | None = None
    unit: str | None = None


BDS_RECORD_SCHEMA: Mapping[str, pl.DataType] = {
    "STUDYID": pl.String(),
    "USUBJID": pl.String(),
    "PARAMCD": pl.String(),
    "PARAM": pl.String(),
    "PARAMN": pl.Int64(),
    "AVAL": pl.Float64(),
    "AVALU": pl.String(),
    "ADT": pl.Date(),
    "VISITNUM": pl.Float64(),
    "VISIT": pl.String(),
    "SRCDOM": pl.String(),
    "SRCVAR": pl.String(),
    "SRCSEQ": pl.Int64(),
}


def build_param_records(
    sdtm: Mapping[str, pl.DataFrame], sources: Sequence[ParamSource]
) -> pl.DataFrame:
    """One record per non-missing SDTM result of each source test (BDS_RECORD_SCHEMA).

    A domain or test that is absent gives no records; a result without --STRESN (not done)
    gives none either, since there is nothing to analyse.

    Example:
        >>> rs = pl.DataFrame({"STUDYID": ["S"], "USUBJID": ["S-1"], "RSSEQ": [3],
        ...     "RSTESTCD": ["PASI0229"], "RSTEST": ["PASI02-Total Sum"], "RSSTRESN": [7.6],
        ...     "RSDTC": ["2026-03-02"], "VISITNUM": [2.0], "VISIT": ["WEEK 0"]})
        >>> src = ParamSource("RS", "PASI0229", "PASITOT", 1, "PASI Total Score")
        >>> build_param_records({"RS": rs}, [src]).select("PARAMCD", "AVAL", "SRCSEQ").rows()
        [('PASITOT', 7.6, 3)]
    """
    frames = []
    for source in sources:
        data = sdtm.get(source.domain)
        prefix = source.domain
        if data is None or f"{prefix}TESTCD" not in data.columns:
            continue
        selected = data.filter(pl.col(f"{prefix}TESTCD") == source.testcd)
        if source.category is not None and f"{prefix}CAT" in data.columns:
            selected = selected.filter(pl.col(f"{prefix}CAT") == source.category)
        if source.location is not None and f"{prefix}LOC" in data.columns:
            selected = selected.filter(pl.col(f"{prefix}LOC") == source.location)
        if f"{prefix}STRESN" not in selected.columns:
            continue
        selected = selected.filter(pl.col(f"{prefix}STRESN").is_not_null())
        if not selected.height:
            continue
        param = (
            pl.lit(source.param)
            if source.param is not None
            else pl.col(f"{prefix}TEST").cast(pl.String)
        )
        unit: pl.Expr = pl.lit(source.unit, pl.String)
        if source.unit is None and f"{prefix}STRESU" in selected.columns:
            unit = pl.col(f"{prefix}STRESU").cast(pl.String)
        frames.append(
            selected.select(
                pl.col("STUDYID").cast(pl.String),
                pl.col("USUBJID").cast(pl.String),
                pl.lit(source.paramcd).alias("PARAMCD"),
                param.alias("PARAM"),
                pl.lit(source.paramn, pl.Int64).alias("PARAMN"),
                pl.col(f"{prefix}STRESN").cast(pl.Float64).alias("AVAL"),
                unit.alias("AVALU"),
                parse_dtc_date(f"{prefix}DTC").alias("ADT"),
                _optional(selected, "VISITNUM", pl.Float64()),
                _optional(selected, "VISIT", pl.String()),
                pl.lit(prefix).alias("SRCDOM"),
                pl.lit(f"{prefix}STRESN").alias("SRCVAR"),
                pl.col(f"{prefix}SEQ").cast(pl.Int64).alias("SRCSEQ"),
            )
        )
    if not frames:
        return pl.DataFrame(schema=dict(BDS_RECORD_SCHEMA))
    return pl.concat(frames, how="vertical_relaxed").select(
        pl.col(name).cast(dtype) for name, dtype in BDS_RECORD_SCHEMA.items()
    )


def _optional(frame: pl.DataFrame, column: str, dtype: pl.DataType) -> pl.Expr:
    if column in frame.columns:
        return pl.col(column).cast(dtype)
    return pl.lit(None, dtype).alias(column)


def derive_bds_core(
    records: pl.DataFrame, *, adsl: pl.DataFrame, windows: Sequence[AnalysisWindow]
) -> pl.DataFrame:
    """DTYPE (null: observed), ADSL dates, ADY, windows, ABLFL, BASE, CHG, PCHG, ANL01FL."""
    if "DTYPE" not in records.columns:
        records = records.with_columns(pl.lit(None, pl.String).alias("DTYPE"))
    data = derive_vars_merged(
        records, dataset_add=adsl, by_vars=["STUDYID", "USUBJID"], new_vars=["TRTSDT", "TRTEDT"]
    )
    data = derive_vars_dy(data, reference_date="TRTSDT", source_vars=["ADT"])
    data = derive_vars_avisit(data, windows=windows)
    data = derive_var_ablfl(data)
    data = derive_bds_changes(data)
    return derive_var_anl01fl(data)


POST_BASELINE = pl.col("DTYPE").is_not_null() | (pl.col("ADT") > pl.col("TRTSDT"))
"""Records after baseline: dated after the first infusion, or imputed at a later visit."""


def derive_bds_changes(data: pl.DataFrame) -> pl.DataFrame:
    """BASE from the ABLFL record, then CHG and PCHG after baseline (re-run after imputation).

    Change is not derived on the baseline record nor before it (admiral templates:
    ``restrict_derivation(derive_var_chg, filter = AVISITN > 0)``).
    """
    data = derive_var_base(data, by_vars=["USUBJID", "PARAMCD"])
    post = POST_BASELINE.fill_null(False)
    return derive_var_pchg(derive_var_chg(data, filter=post), filter=post)


def build_expected_visits(
    data: pl.DataFrame,
    *,
    adsl: pl.DataFrame,
    windows: Sequence[AnalysisWindow],
    paramcds: Sequence[str],
) -> pl.DataFrame:
    """The post-baseline analysis visits each participant with a baseline should have had.

    A visit is expected for a participant in the full analysis set (FASFL = "Y") with a
    baseline for the parameter when the participant has left the study (EOSSTT COMPLETED or
    DISCONTINUED) or the visit window closed on or before the last known date (LSTALVDT):
    a visit not yet due is not missing.
    """
    post = [w for w in windows if w.avisitn > 0]
    if not post:
        return pl.DataFrame(
            schema={
                "USUBJID": pl.String,
                "PARAMCD": pl.String,
                "AVISIT": pl.String,
                "AVISITN": pl.Float64,
            }
        )
    baselines = data.filter((pl.col("ABLFL") == "Y") & pl.col("PARAMCD").is_in(list(paramcds)))
    subjects = adsl.filter(pl.col("FASFL") == "Y").select("USUBJID", "TRTSDT", "LSTALVDT", "EOSSTT")
    grid = (
        baselines.select("USUBJID", "PARAMCD")
        .unique(maintain_order=True)
        .join(subjects, on="USUBJID", how="inner", maintain_order="left")
    )
    visits = pl.DataFrame(
        {
            "AVISIT": [w.avisit for w in post],
            "AVISITN": [w.avisitn for w in post],
            "__close": [timedelta(days=w.high - 1) for w in post],
        }
    )
    expected = grid.join(visits, how="cross")
    left = pl.col("EOSSTT").is_in(["COMPLETED", "DISCONTINUED"])
    closed = (pl.col("TRTSDT") + pl.col("__close")) <= pl.col("LSTALVDT")
    return expected.filter(left | closed.fill_null(False)).select(
        "USUBJID", "PARAMCD", "AVISIT", "AVISITN"
    )
