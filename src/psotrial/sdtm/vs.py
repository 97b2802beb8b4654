"""VS (Vital Signs): ``vital_signs`` items and the height of ``demographics``.

Test codes from VSTESTCD C66741 (WEIGHT, SYSBP, DIABP, HR, TEMP, HEIGHT) and units from
VSRESU/UNIT (kg, mmHg, beats/min, C, cm); results are collected in standard units, so the
standard result equals the original. VSLOBXFL is the baseline flag; the weight flagged is not
the dose weight (that is the infusion form's own weight, in SUPPEX).
"""

from __future__ import annotations

import polars as pl

from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.findings import Test, finish_findings, unpivot_tests
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

__all__ = ["VS_SPEC", "VS_TESTS", "build_vs"]

# (form, item, VSTESTCD, VSTEST, unit)
VS_TESTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("vital_signs", "systolic_bp", "SYSBP", "Systolic Blood Pressure", "mmHg"),
    ("vital_signs", "diastolic_bp", "DIABP", "Diastolic Blood Pressure", "mmHg"),
    ("vital_signs", "heart_rate", "HR", "Heart Rate", "beats/min"),
    ("vital_signs", "temperature_c", "TEMP", "Temperature", "C"),
    ("vital_signs", "weight_kg", "WEIGHT", "Weight", "kg"),
    ("demographics", "height_cm", "HEIGHT", "Height", "cm"),
)

VS_SPEC = DatasetSpec(
    "VS",
    "Vital Signs",
    "Findings",
    "One record per vital sign measurement per time point per visit per subject",
    ("STUDYID", "USUBJID", "VSTESTCD", "VISITNUM", "VSSEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("VS"),
        spid("VS"),
        text(
            "VSTESTCD",
            "Vital Signs Test Short Name",
            8,
            "Req",
            codelist="VSTESTCD",
            origin="Assigned",
        ),
        text("VSTEST", "Vital Signs Test Name", 40, "Req", codelist="VSTEST", origin="Assigned"),
        text(
            "VSORRES",
            "Result or Finding in Original Units",
            20,
            "Exp",
            source="vital_signs.*; demographics.height_cm",
        ),
        text("VSORRESU", "Original Units", 20, "Exp", codelist="VSRESU", origin="Assigned"),
        text(
            "VSSTRESC",
            "Character Result/Finding in Std Format",
            20,
            "Exp",
            origin="Derived",
            method="VSORRES",
        ),
        text(
            "VSSTRESN",
            "Numeric Result/Finding in Standard Units",
            8,
            "Exp",
            type="float",
            origin="Derived",
        ),
        text("VSSTRESU", "Standard Units", 20, "Exp", codelist="VSRESU", origin="Assigned"),
        lobxfl("VS"),
        *visit_vars(),
        epoch(),
        dtc("VSDTC", "Date/Time of Measurements", "Exp", source="visit.actual_date"),
        dy("VSDY", "Study Day of Vital Signs", "VSDTC"),
    ),
)


def build_vs(context: SdtmContext) -> pl.DataFrame:
    """VS: vital signs and height."""
    frames = []
    for form in dict.fromkeys(f for f, *_ in VS_TESTS):
        rows = [t for t in VS_TESTS if t[0] == form]
        entries = context.entries(form, [item for _, item, *_ in rows])
        tests: list[Test] = [(item, code, name) for _, item, code, name, _ in rows]
        units = {code: unit for _, _, code, _, unit in rows}
        offset = VS_TESTS.index(rows[0])
        frames.append(
            unpivot_tests(entries, tests).with_columns(
                pl.col("__order") + offset,
                pl.col("TESTCD").replace_strict(units).alias("ORRESU"),
            )
        )
    frame = pl.concat(frames, how="vertical_relaxed").with_columns(
        pl.col("result").alias("ORRES"),
        pl.col("result").alias("STRESC"),
        pl.col("result").cast(pl.Float64, strict=False).alias("STRESN"),
        pl.col("ORRESU").alias("STRESU"),
    )
    return finish_findings(context, frame, prefix="VS")
