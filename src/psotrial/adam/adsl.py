"""ADSL: one record per participant in DM (ADaMIG 1.3 §3.2; cdisc.md §2.1).

Populations ("Y"/"N" on every record):

- SCRNFL: screened, i.e. in DM (DM holds every consented candidate, screen failures too).
- ENRLFL: enrolled, i.e. assigned to an arm (DM.ARMCD not null).
- SAFFL: received at least one infusion (an EX record with a start date).
- FASFL: full analysis set: enrolled, treated, and a baseline PASI (the primary endpoint
  cannot be computed without one; architecture.md "Baseline").
- PPROTFL: per protocol: FAS, every planned infusion of the arm given (NINFUS equals the
  count of ``Arm.infusion_visits``), and an in-window PASI at every visit of the primary
  outcome (protocol outcome with measure ``pasi_improvement_pct``: week 12 ± 3 days).

Treatment: TRTSDT/TRTEDT are the first and last EXSTDTC dates (the infusion is a single
administration, EXENDTC = EXSTDTC). Disposition as in the admiral ADSL template:
EOSSTT = COMPLETED when DSDECOD is COMPLETED, null for a screen failure, DISCONTINUED for any
other disposition event, ONGOING without one; DCSREAS is DSDECOD of a discontinuation.
LSTALVDT is the last complete date known for the participant in SV, EX, DS, RS, QS, FA, LB,
VS and AE. Baseline characteristics (HEIGHTBL, WEIGHTBL, BMIBL, PASIBL, BSABL, DLQIBL,
ITCHBL) are filled by :func:`derive_vars_adsl_baseline` from the BDS datasets and VS.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import polars as pl

from psotrial.adam._frame import parse_dtc_date, require_columns, to_exact
from psotrial.adam.merge import derive_vars_merged
from psotrial.protocol import Protocol

__all__ = ["build_adsl", "derive_vars_adsl_baseline", "derive_vars_adsl_populations"]

_DATES = {
    "SV": ("SVSTDTC",),
    "EX": ("EXSTDTC",),
    "DS": ("DSSTDTC",),
    "RS": ("RSDTC",),
    "QS": ("QSDTC",),
    "FA": ("FADTC",),
    "LB": ("LBDTC",),
    "VS": ("VSDTC",),
    "AE": ("AESTDTC", "AEENDTC"),
}


def _yn(condition: pl.Expr) -> pl.Expr:
    return pl.when(condition.fill_null(False)).then(pl.lit("Y")).otherwise(pl.lit("N"))


def build_adsl(sdtm: Mapping[str, pl.DataFrame], protocol: Protocol) -> pl.DataFrame:
    """ADSL without the efficacy-dependent parts (FASFL, PPROTFL, baseline scores).

    Raises:
        MissingVariablesError: DM lacks a required variable.
    """
    dm = sdtm["DM"]
    require_columns(dm, ["STUDYID", "USUBJID", "SUBJID", "SITEID", "ARMCD", "ARM"])
    adsl = dm.select(
        *(
            pl.col(c) if c in dm.columns else pl.lit(None, pl.String).alias(c)
            for c in (
                "STUDYID",
                "USUBJID",
                "SUBJID",
                "SITEID",
                "COUNTRY",
                "AGE",
                "AGEU",
                "SEX",
                "RACE",
                "ETHNIC",
                "ARMCD",
                "ARM",
                "ACTARMCD",
                "ACTARM",
                "ARMNRS",
                "DTHFL",
            )
        ),
        (parse_dtc_date("RFICDTC") if "RFICDTC" in dm.columns else pl.lit(None, pl.Date)).alias(
            "RFICDT"
        ),
    ).with_columns(
        pl.col("AGE").cast(pl.Int64),
        pl.col("ARM").alias("TRT01P"),
        pl.col("ACTARM").alias("TRT01A"),
    )
    adsl = derive_vars_merged(
        adsl,
        dataset_add=_exposure(sdtm),
        by_vars=["USUBJID"],
        new_vars=["TRTSDT", "TRTEDT", "NINFUS", "CUMDOSE"],
    )
    adsl = derive_vars_merged(
        adsl, dataset_add=_dose_deviations(sdtm), by_vars=["USUBJID"], new_vars=["NDOSDEV"]
    )
    adsl = derive_vars_merged(
        adsl,
        dataset_add=_disposition(sdtm),
        by_vars=["USUBJID"],
        new_vars=["DSDECOD", "DSTERM", "EOSDT"],
    )
    adsl = derive_vars_merged(
        adsl, dataset_add=_last_known(sdtm), by_vars=["USUBJID"], new_vars=["LSTALVDT"]
    )
    eosstt = (
        pl.when(pl.col("DSDECOD") == "COMPLETED")
        .then(pl.lit("COMPLETED"))
        .when(pl.col("DSDECOD") == "SCREEN FAILURE")
        .then(pl.lit(None, pl.String))
        .when(pl.col("DSDECOD").is_not_null())
        .then(pl.lit("DISCONTINUED"))
        .otherwise(pl.lit("ONGOING"))
    )
    discontinued = pl.col("DSDECOD").is_not_null() & ~pl.col("DSDECOD").is_in(
        ["COMPLETED", "SCREEN FAILURE"]
    )
    return adsl.with_columns(
        pl.when(pl.col("TRTSDT").is_not_null() & pl.col("TRTEDT").is_not_null())
        .then((pl.col("TRTEDT") - pl.col("TRTSDT")).dt.total_days() + 1)
        .cast(pl.Int64)
        .alias("TRTDURD"),
        pl.col("NINFUS").fill_null(0).cast(pl.Int64),
        pl.when(pl.col("TRTSDT").is_not_null())
        .then(pl.col("NDOSDEV").fill_null(0))
        .cast(pl.Int64)
        .alias("NDOSDEV"),
        pl.lit("Y").alias("SCRNFL"),
        _yn(pl.col("ARMCD").is_not_null()).alias("ENRLFL"),
        _yn(pl.col("TRTSDT").is_not_null()).alias("SAFFL"),
        eosstt.alias("EOSSTT"),
        pl.when(discontinued).then(pl.col("DSDECOD")).alias("DCSREAS"),
        pl.when(discontinued & (pl.col("DSDECOD") == "OTHER"))
        .then(pl.col("DSTERM"))
        .alias("DCSREASP"),
    ).drop("DSDECOD", "DSTERM")


def _exposure(sdtm: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    schema = {
        "USUBJID": pl.String,
        "TRTSDT": pl.Date,
        "TRTEDT": pl.Date,
        "NINFUS": pl.Int64,
        "CUMDOSE": pl.Float64,
    }
    ex = sdtm.get("EX")
    if ex is None or "EXSTDTC" not in ex.columns:
        return pl.DataFrame(schema=schema)
    given = ex.with_columns(parse_dtc_date("EXSTDTC").alias("__dt")).filter(
        pl.col("__dt").is_not_null()
    )
    if "EXDOSE" in given.columns:
        given = given.filter(pl.col("EXDOSE").is_null() | (pl.col("EXDOSE") > 0))
    return given.group_by("USUBJID", maintain_order=True).agg(
        pl.col("__dt").min().alias("TRTSDT"),
        pl.col("__dt").max().alias("TRTEDT"),
        pl.len().cast(pl.Int64).alias("NINFUS"),
        pl.col("EXDOSE").sum().round(3).alias("CUMDOSE")
        if "EXDOSE" in given.columns
        else pl.lit(None, pl.Float64).alias("CUMDOSE"),
    )


def _dose_deviations(sdtm: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Infusions whose actual cells differ from the planned cells by more than 10%.

    architecture.md (dose): planned and actual cells are both recorded, a deviation over
    10% is flagged; decided exactly on the integer cell counts: 10 x |actual - planned| >
    planned (SUPPEX PLANCELL and ACTCELL).
    """
    schema = {"USUBJID": pl.String, "NDOSDEV": pl.Int64}
    supp = sdtm.get("SUPPEX")
    if supp is None or supp.height == 0 or "QNAM" not in supp.columns:
        return pl.DataFrame(schema=schema)
    cells = supp.filter(pl.col("QNAM").is_in(["PLANCELL", "ACTCELL"])).select(
        "USUBJID", "IDVARVAL", "QNAM", pl.col("QVAL").cast(pl.Int64, strict=False)
    )
    if cells.height == 0:
        return pl.DataFrame(schema=schema)
    wide = cells.pivot(on="QNAM", index=["USUBJID", "IDVARVAL"], values="QVAL")
    if not {"PLANCELL", "ACTCELL"} <= set(wide.columns):
        return pl.DataFrame(schema=schema)
    off_plan = 10 * (pl.col("ACTCELL") - pl.col("PLANCELL")).abs() > pl.col("PLANCELL")
    return wide.group_by("USUBJID", maintain_order=True).agg(
        off_plan.fill_null(False).sum().cast(pl.Int64).alias("NDOSDEV")
    )


def _disposition(sdtm: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    schema = {"USUBJID": pl.String, "DSDECOD": pl.String, "DSTERM": pl.String, "EOSDT": pl.Date}
    ds = sdtm.get("DS")
    if ds is None or "DSCAT" not in ds.columns:
        return pl.DataFrame(schema=schema)
    events = ds.filter(pl.col("DSCAT") == "DISPOSITION EVENT").with_columns(
        parse_dtc_date("DSSTDTC").alias("EOSDT")
    )
    # The last disposition event wins should a participant have several.
    return (
        events.sort(["USUBJID", "EOSDT"], maintain_order=True, nulls_last=False)
        .group_by("USUBJID", maintain_order=True)
        .last()
        .select("USUBJID", "DSDECOD", "DSTERM", "EOSDT")
    )


def _last_known(sdtm: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    frames = []
    for name, columns in _DATES.items():
        data = sdtm.get(name)
        if data is None:
            continue
        for column in columns:
            if column in data.columns:
                frames.append(
                    data.select(pl.col("USUBJID"), parse_dtc_date(column).alias("LSTALVDT"))
                )
    if not frames:
        return pl.DataFrame(schema={"USUBJID": pl.String, "LSTALVDT": pl.Date})
    return (
        pl.concat(frames, how="vertical_relaxed")
        .group_by("USUBJID", maintain_order=True)
        .agg(pl.col("LSTALVDT").max())
    )


def derive_vars_adsl_populations(
    adsl: pl.DataFrame, *, adpasi: pl.DataFrame, protocol: Protocol
) -> pl.DataFrame:
    """Add FASFL and PPROTFL from the PASI analysis records (see the module docstring)."""
    with_baseline = (
        adpasi.filter((pl.col("PARAMCD") == "PASITOT") & (pl.col("ABLFL") == "Y"))
        .select("USUBJID")
        .unique()
    )
    primary_visits = {
        visit
        for o in protocol.outcomes
        if o.measure == "pasi_improvement_pct"
        for visit in o.visits
    }
    windows = [
        f"WEEK {v.week}" if v.week is not None else v.name.upper()
        for v in protocol.visits
        if v.code in primary_visits
    ]
    observed = adpasi.filter(
        (pl.col("PARAMCD") == "PASITOT")
        & (pl.col("ANL01FL") == "Y")
        & pl.col("DTYPE").is_null()
        & pl.col("AVISIT").is_in(windows)
    )
    complete = (
        observed.group_by("USUBJID")
        .agg(pl.col("AVISIT").n_unique().alias("__n"))
        .filter(pl.col("__n") == len(windows))
        .select("USUBJID")
    )
    planned = max(len(arm.infusion_visits) for arm in protocol.arms)
    fas = (
        (pl.col("ENRLFL") == "Y")
        & (pl.col("SAFFL") == "Y")
        & pl.col("USUBJID").is_in(with_baseline["USUBJID"].implode())
    )
    adsl = adsl.with_columns(_yn(fas).alias("FASFL"))
    per_protocol = (
        (pl.col("FASFL") == "Y")
        & (pl.col("NINFUS") >= planned)
        & pl.col("USUBJID").is_in(complete["USUBJID"].implode())
    )
    return adsl.with_columns(_yn(per_protocol).alias("PPROTFL"))


def derive_vars_adsl_baseline(
    adsl: pl.DataFrame,
    *,
    bds: pl.DataFrame,
    vs: pl.DataFrame | None,
    params: Mapping[str, str],
) -> pl.DataFrame:
    """Add baseline characteristics: ``params`` maps an ADSL variable to a BDS PARAMCD
    (its ABLFL record's AVAL), plus HEIGHTBL, WEIGHTBL and BMIBL from VS.

    Weight and height are the last VS results on or before TRTSDT (the baseline rule);
    BMIBL = WEIGHTBL / (HEIGHTBL/100)^2, exact then rounded to 0.1 kg/m^2 half-up.
    """
    baseline = bds.filter(pl.col("ABLFL") == "Y")
    for variable, paramcd in params.items():
        values = baseline.filter(pl.col("PARAMCD") == paramcd).select("USUBJID", "AVAL")
        adsl = derive_vars_merged(
            adsl, dataset_add=values, by_vars=["USUBJID"], new_vars={variable: "AVAL"}
        )
    for variable, testcd in (("HEIGHTBL", "HEIGHT"), ("WEIGHTBL", "WEIGHT")):
        adsl = derive_vars_merged(
            adsl,
            dataset_add=_vs_baseline(vs, adsl, testcd),
            by_vars=["USUBJID"],
            new_vars={variable: "VALUE"},
        )
    bmi = [
        _bmi(weight, height)
        for weight, height in zip(
            adsl["WEIGHTBL"].to_list(), adsl["HEIGHTBL"].to_list(), strict=True
        )
    ]
    return adsl.with_columns(pl.Series("BMIBL", bmi, dtype=pl.Float64))


def _vs_baseline(vs: pl.DataFrame | None, adsl: pl.DataFrame, testcd: str) -> pl.DataFrame:
    schema = {"USUBJID": pl.String, "VALUE": pl.Float64}
    if vs is None or not {"VSTESTCD", "VSSTRESN", "VSDTC"} <= set(vs.columns):
        return pl.DataFrame(schema=schema)
    results = (
        vs.filter((pl.col("VSTESTCD") == testcd) & pl.col("VSSTRESN").is_not_null())
        .with_columns(parse_dtc_date("VSDTC").alias("__dt"))
        .join(adsl.select("USUBJID", "TRTSDT"), on="USUBJID", how="inner")
    )
    # Height is measured once at screening; without a first infusion it still describes
    # the participant, so the latest value is used for the untreated.
    eligible = results.filter(
        pl.col("TRTSDT").is_null()
        | (pl.col("__dt").is_not_null() & (pl.col("__dt") <= pl.col("TRTSDT")))
    )
    return (
        eligible.sort(["USUBJID", "__dt"], maintain_order=True, nulls_last=False)
        .group_by("USUBJID", maintain_order=True)
        .last()
        .select("USUBJID", pl.col("VSSTRESN").cast(pl.Float64).alias("VALUE"))
    )


def _bmi(weight: float | None, height: float | None) -> float | None:
    w, h = to_exact(weight), to_exact(height)
    if w is None or h is None or h == 0:
        return None
    value = w / (h / 100) ** 2
    return float(value.quantize(Decimal("0.1"), rounding="ROUND_HALF_UP"))
