"""RS (Disease Response and Clin Classification): PASI as the CDISC ``PASI FELDMAN``
clinical classification (cdisc.md section 1.2; CT C179936/C179935).

Per ``pasi`` entry, 29 records: the 12 collected sign scores (PASI0201-0216 without the
area codes), the 4 area scores, per region the sum of sign scores, the sum x area and the
weighted region score (PASI0217-0228), and the total PASI0229. Derived records (sums and
total) carry RSDRVFL ``Y``; ADaM may re-derive them.

* Sign scores: RSORRES = RSSTRESC = the 0-4 rating as collected, RSSTRESN numeric.
* Area: the CRF collects the percentage of the region involved, so RSORRES is that
  percentage as collected with RSORRESU ``%``, and RSSTRESC/RSSTRESN the 0-6 area score from
  :func:`psotrial.instruments.compute_area_score` (half-open bands; RSSTRESU null: a score).
* Region weights 0.1/0.2/0.3/0.4 and the total are computed in integer tenths (exact) and
  written with one decimal (``18.8``).

RSEVAL ``INVESTIGATOR``. RSSPID is ``FE<form_entry.id>``: every PASI record leads back to its
form entry and, through ``audit_event.entity_id``, to its audit history.
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from psotrial.instruments import REGION_WEIGHTS, REGIONS, SIGNS, compute_area_score
from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.findings import ENTRY_COLUMNS, finish_findings
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.variables import (
    domain,
    dtc,
    dy,
    epoch,
    lobxfl,
    seq,
    spid,
    studyid,
    text,
    usubjid,
    visit_vars,
)

__all__ = ["PASI_CATEGORY", "PASI_TESTS", "RS_SPEC", "build_rs", "compute_pasi_testcd"]

PASI_CATEGORY = "PASI FELDMAN"
_REGION_NAMES = {
    "head": "Head",
    "upper_limbs": "Up Extrem",
    "trunk": "Trunk",
    "lower_limbs": "Low Extrem",
}
_SIGN_NAMES = {
    "erythema": "Erythema/Redness",
    "induration": "Thickness/Induration",
    "desquamation": "Desquamation/Scaling",
    "area": "Area Score",
}
_DERIVED_NAMES = ("Sum of Symptom Scores", "Sum X Area", "Sum X Area X 0.{weight}")


def compute_pasi_testcd(number: int) -> str:
    """RSTESTCD of PASI FELDMAN item ``number`` (1-29).

    Example:
        >>> compute_pasi_testcd(1), compute_pasi_testcd(29)
        ('PASI0201', 'PASI0229')
    """
    return f"PASI02{number:02d}"


def _tests() -> dict[str, tuple[str, str]]:
    """Column name -> (RSTESTCD, RSTEST) in CT order."""
    tests: dict[str, tuple[str, str]] = {}
    number = 1
    for region in REGIONS:
        for part in (*SIGNS, "area"):
            name = f"PASI02-{_REGION_NAMES[region]}: {_SIGN_NAMES[part]}"
            tests[f"{region}.{part}"] = (compute_pasi_testcd(number), name)
            number += 1
    for region in REGIONS:
        for kind, label in zip(("sum", "sum_area", "weighted"), _DERIVED_NAMES, strict=True):
            name = f"PASI02-{_REGION_NAMES[region]}: {label.format(weight=REGION_WEIGHTS[region])}"
            tests[f"{region}.{kind}"] = (compute_pasi_testcd(number), name)
            number += 1
    tests["total"] = (compute_pasi_testcd(number), "PASI02-Total Sum")
    return tests


PASI_TESTS = _tests()

RS_SPEC = DatasetSpec(
    "RS",
    "Disease Response and Clin Classification",
    "Findings",
    "One record per test per visit per subject",
    ("STUDYID", "USUBJID", "RSCAT", "RSTESTCD", "VISITNUM", "RSSEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("RS"),
        spid("RS"),
        text("RSTESTCD", "Assessment Short Name", 8, "Req", codelist="PASI02TC", origin="Assigned"),
        text("RSTEST", "Assessment Name", 40, "Req", codelist="PASI02TN", origin="Assigned"),
        text("RSCAT", "Category for Assessment", 20, "Exp", codelist="CCCAT", origin="Assigned"),
        text(
            "RSORRES",
            "Result or Response in Original Units",
            20,
            "Exp",
            source="pasi.<region>.<sign>|area_pct",
        ),
        text("RSORRESU", "Original Units", 8, "Perm", codelist="UNIT", origin="Assigned"),
        text(
            "RSSTRESC",
            "Character Result/Finding in Std Format",
            20,
            "Exp",
            origin="Derived",
            method=(
                "Sign: the rating; area: PASI area score 0-6 of the percentage; "
                "sums and total computed in integer tenths"
            ),
        ),
        text(
            "RSSTRESN",
            "Numeric Result/Finding in Standard Units",
            8,
            "Perm",
            type="float",
            origin="Derived",
        ),
        text("RSDRVFL", "Derived Flag", 1, "Perm", codelist="NY", origin="Derived"),
        text("RSEVAL", "Evaluator", 20, "Perm", codelist="EVAL", origin="Assigned"),
        lobxfl("RS"),
        *visit_vars(),
        epoch(),
        dtc("RSDTC", "Date/Time of Assessment", "Exp", source="visit.actual_date"),
        dy("RSDY", "Study Day of Assessment", "RSDTC"),
    ),
)


def _tenths_text(tenths: pl.Expr) -> pl.Expr:
    return pl.format("{}.{}", tenths // 10, tenths % 10)


def build_rs(context: SdtmContext) -> pl.DataFrame:
    """RS: every PASI component, region score and total of each ``pasi`` entry."""
    form = next(f for f in context.protocol.forms if f.instrument == "pasi")
    items = [f"{region}.{part}" for region in REGIONS for part in (*SIGNS, "area_pct")]
    entries = context.entries(form.code, items)
    percents = entries.select(
        pl.concat_list([f"{r}.area_pct" for r in REGIONS]).explode()
    ).to_series()
    bands = {p: compute_area_score(Decimal(p)) for p in percents.drop_nulls().unique()}
    derived: list[pl.Expr] = []
    total = pl.lit(0, dtype=pl.Int64)
    for region in REGIONS:
        signs = [pl.col(f"{region}.{sign}").cast(pl.Int64) for sign in SIGNS]
        area = pl.col(f"{region}.area_pct").replace_strict(
            bands, default=None, return_dtype=pl.Int64
        )
        sign_sum = signs[0] + signs[1] + signs[2]
        tenths = sign_sum * area * REGION_WEIGHTS[region]
        total = total + tenths
        derived += [
            area.alias(f"{region}.area"),
            sign_sum.alias(f"{region}.sum"),
            (sign_sum * area).alias(f"{region}.sum_area"),
            tenths.alias(f"{region}.weighted"),
        ]
    scored = entries.with_columns(*derived, total.alias("total"))
    frames = []
    for order, (column, (code, name)) in enumerate(PASI_TESTS.items()):
        part = column.rsplit(".", 1)[-1]
        base: list[str | pl.Expr] = [
            *ENTRY_COLUMNS,
            pl.lit(code).alias("TESTCD"),
            pl.lit(name).alias("TEST"),
            pl.lit(order).alias("__order"),
        ]
        value = pl.col(column)
        if part in SIGNS:
            result = [
                value.alias("ORRES"),
                pl.lit(None, pl.String).alias("ORRESU"),
                value.alias("STRESC"),
                pl.lit(None, pl.String).alias("DRVFL"),
            ]
        elif part == "area":
            region = column.split(".")[0]
            result = [
                pl.col(f"{region}.area_pct").alias("ORRES"),
                pl.lit("%").alias("ORRESU"),
                value.cast(pl.String).alias("STRESC"),
                pl.lit(None, pl.String).alias("DRVFL"),
            ]
        else:
            shown = _tenths_text(value) if part in ("weighted", "total") else value.cast(pl.String)
            result = [
                shown.alias("ORRES"),
                pl.lit(None, pl.String).alias("ORRESU"),
                shown.alias("STRESC"),
                pl.lit("Y").alias("DRVFL"),
            ]
        frames.append(scored.select(*base, *result).filter(pl.col("STRESC").is_not_null()))
    frame = pl.concat(frames, how="vertical_relaxed").with_columns(
        pl.col("STRESC").cast(pl.Float64, strict=False).alias("STRESN"),
        pl.lit(PASI_CATEGORY).alias("CAT"),
        pl.lit("INVESTIGATOR").alias("RSEVAL"),
    )
    return finish_findings(context, frame, prefix="RS", by_vars=["RSCAT"])
