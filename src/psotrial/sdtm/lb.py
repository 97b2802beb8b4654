"""LB (Laboratory Test Results): one record per test of a ``labs`` entry.

Each test is stored with the value, unit and the reference range the site laboratory
reported (``labs.<TEST>.value|unit|lln|uln``). Results are already in SI units, so the
standard result equals the original (LBSTRESC/LBSTRESN/LBSTRESU, LBSTNRLO/LBSTNRHI).
LBNRIND is decided exactly on decimals: LOW below LLN, HIGH above ULN, else NORMAL (NRIND
C78736). LBTESTCD/LBTEST follow C65047/C67154 (CYSC -> CYSTATC, PLT -> PLAT, WBC ->
Leukocytes). LBLOBXFL is the baseline flag (:mod:`psotrial.sdtm.baseline`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from types import MappingProxyType

import polars as pl

from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.distinct import decide_distinct
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

__all__ = ["LB_SPEC", "LB_TESTS", "build_lb", "compute_nrind"]

# protocol test code -> (LBTESTCD, LBTEST, LBCAT, LBSPEC)
LB_TESTS = MappingProxyType(
    {
        "PLT": ("PLAT", "Platelets", "HEMATOLOGY", "BLOOD"),
        "WBC": ("WBC", "Leukocytes", "HEMATOLOGY", "BLOOD"),
        "HGB": ("HGB", "Hemoglobin", "HEMATOLOGY", "BLOOD"),
        "AST": ("AST", "Aspartate Aminotransferase", "CHEMISTRY", "SERUM"),
        "ALT": ("ALT", "Alanine Aminotransferase", "CHEMISTRY", "SERUM"),
        "CREAT": ("CREAT", "Creatinine", "CHEMISTRY", "SERUM"),
        "CYSC": ("CYSTATC", "Cystatin C", "CHEMISTRY", "SERUM"),
        "CA": ("CA", "Calcium", "CHEMISTRY", "SERUM"),
        "ALB": ("ALB", "Albumin", "CHEMISTRY", "SERUM"),
    }
)

LB_SPEC = DatasetSpec(
    "LB",
    "Laboratory Test Results",
    "Findings",
    "One record per lab test per time point per visit per subject",
    ("STUDYID", "USUBJID", "LBTESTCD", "VISITNUM", "LBSEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("LB"),
        spid("LB"),
        text(
            "LBTESTCD",
            "Lab Test or Examination Short Name",
            8,
            "Req",
            codelist="LBTESTCD",
            origin="Assigned",
        ),
        text(
            "LBTEST",
            "Lab Test or Examination Name",
            40,
            "Req",
            codelist="LBTEST",
            origin="Assigned",
        ),
        text("LBCAT", "Category for Lab Test", 20, "Exp", origin="Assigned"),
        text(
            "LBORRES", "Result or Finding in Original Units", 20, "Exp", source="labs.<TEST>.value"
        ),
        text("LBORRESU", "Original Units", 20, "Exp", codelist="UNIT", source="labs.<TEST>.unit"),
        text(
            "LBORNRLO",
            "Reference Range Lower Limit in Orig Unit",
            20,
            "Exp",
            source="labs.<TEST>.lln",
        ),
        text(
            "LBORNRHI",
            "Reference Range Upper Limit in Orig Unit",
            20,
            "Exp",
            source="labs.<TEST>.uln",
        ),
        text(
            "LBSTRESC",
            "Character Result/Finding in Std Format",
            20,
            "Exp",
            origin="Derived",
            method="LBORRES (results are in SI units)",
        ),
        text(
            "LBSTRESN",
            "Numeric Result/Finding in Standard Units",
            8,
            "Exp",
            type="float",
            origin="Derived",
        ),
        text("LBSTRESU", "Standard Units", 20, "Exp", codelist="UNIT", origin="Derived"),
        text(
            "LBSTNRLO",
            "Reference Range Lower Limit-Std Units",
            8,
            "Exp",
            type="float",
            origin="Derived",
        ),
        text(
            "LBSTNRHI",
            "Reference Range Upper Limit-Std Units",
            8,
            "Exp",
            type="float",
            origin="Derived",
        ),
        text(
            "LBNRIND",
            "Reference Range Indicator",
            8,
            "Exp",
            codelist="NRIND",
            origin="Derived",
            method="LOW if result < LLN, HIGH if result > ULN, else NORMAL (exact decimals)",
        ),
        text("LBSPEC", "Specimen Type", 10, "Perm", codelist="SPECTYPE", origin="Assigned"),
        lobxfl("LB"),
        *visit_vars(),
        epoch(),
        dtc("LBDTC", "Date/Time of Specimen Collection", "Exp", source="visit.actual_date"),
        dy("LBDY", "Study Day of Specimen Collection", "LBDTC"),
    ),
)


def compute_nrind(value: str | None, lln: str | None, uln: str | None) -> str | None:
    """LOW/HIGH/NORMAL of a result against its range, decided on exact decimals.

    Example:
        >>> [compute_nrind(v, "2.11", "2.52") for v in ("2.1", "2.11", "2.52", "2.53", None)]
        ['LOW', 'NORMAL', 'NORMAL', 'HIGH', None]
    """
    try:
        result = Decimal(value) if value is not None else None
        low = Decimal(lln) if lln is not None else None
        high = Decimal(uln) if uln is not None else None
    except InvalidOperation:
        return None
    if result is None or (low is None and high is None):
        return None
    if low is not None and result < low:
        return "LOW"
    if high is not None and result > high:
        return "HIGH"
    return "NORMAL"


def build_lb(context: SdtmContext) -> pl.DataFrame:
    """LB: every laboratory result of the ``labs`` entries."""
    form = next(f for f in context.protocol.forms if f.instrument == "labs")
    codes = [t.code for t in form.lab_tests]
    fields = ("value", "unit", "lln", "uln")
    entries = context.entries(form.code, [f"{code}.{field}" for code in codes for field in fields])
    frames = []
    for order, code in enumerate(codes):
        testcd, test, category, specimen = LB_TESTS.get(code, (code, code, None, None))
        frames.append(
            entries.filter(pl.col(f"{code}.value").is_not_null()).select(
                *ENTRY_COLUMNS,
                pl.lit(testcd).alias("TESTCD"),
                pl.lit(test).alias("TEST"),
                pl.lit(order).alias("__order"),
                pl.lit(category, dtype=pl.String).alias("LBCAT"),
                pl.lit(specimen, dtype=pl.String).alias("LBSPEC"),
                pl.col(f"{code}.value").alias("ORRES"),
                pl.col(f"{code}.unit").alias("ORRESU"),
                pl.col(f"{code}.lln").alias("LBORNRLO"),
                pl.col(f"{code}.uln").alias("LBORNRHI"),
            )
        )
    frame = pl.concat(frames, how="vertical_relaxed")
    nrind = decide_distinct(
        frame, ["ORRES", "LBORNRLO", "LBORNRHI"], compute_nrind, "LBNRIND", pl.String()
    )
    frame = frame.with_columns(
        pl.col("ORRES").alias("STRESC"),
        pl.col("ORRES").cast(pl.Float64, strict=False).alias("STRESN"),
        pl.col("ORRESU").alias("STRESU"),
        pl.col("LBORNRLO").cast(pl.Float64, strict=False).alias("LBSTNRLO"),
        pl.col("LBORNRHI").cast(pl.Float64, strict=False).alias("LBSTNRHI"),
        nrind,
    )
    return finish_findings(context, frame, prefix="LB")
