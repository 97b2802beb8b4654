"""FA (Findings About Events or Interventions): body surface area of psoriasis (BSA %).

Following the CDISC knowledge-base psoriasis example (cdisc.md section 1.4): FATESTCD
``BSAAFCTP`` "Percent BSA Affected" (a sponsor extension of the extensible FATESTCD), FAOBJ
``PSORIASIS``, FAMETHOD ``PALM METHOD`` (C154793), unit ``%`` (C25613). One record per region
as collected in palms (one palm = 1% BSA, :data:`psotrial.instruments.PALM_PCT`), with FALOC
``HEAD AND NECK``, ``LIMB, UPPER``, ``TRUNK``, ``LIMB, LOWER`` (LOC C74456), and the total
BSA % stored with the entry (FALOC ``SKIN``, FADRVFL ``Y``).
"""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from psotrial.instruments import PALM_PCT, REGIONS
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

__all__ = ["BSA_LOCATIONS", "FA_SPEC", "build_fa"]

BSA_TESTCD = "BSAAFCTP"
BSA_TEST = "Percent BSA Affected"
BSA_LOCATIONS = {
    "head": "HEAD AND NECK",
    "upper_limbs": "LIMB, UPPER",
    "trunk": "TRUNK",
    "lower_limbs": "LIMB, LOWER",
}

FA_SPEC = DatasetSpec(
    "FA",
    "Findings About Events or Interventions",
    "Findings",
    "One record per finding, per object, per time point, per visit per subject",
    ("STUDYID", "USUBJID", "FATESTCD", "FAOBJ", "FALOC", "VISITNUM", "FASEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("FA"),
        spid("FA"),
        text(
            "FATESTCD",
            "Findings About Test Short Name",
            8,
            "Req",
            codelist="FATESTCD",
            origin="Assigned",
        ),
        text("FATEST", "Findings About Test Name", 40, "Req", codelist="FATEST", origin="Assigned"),
        text("FAOBJ", "Object of the Observation", 40, "Req", origin="Assigned"),
        text(
            "FAORRES",
            "Result or Finding in Original Units",
            20,
            "Exp",
            source="bsa.<region> (palms)",
        ),
        text("FAORRESU", "Original Units", 8, "Perm", codelist="UNIT", origin="Assigned"),
        text(
            "FASTRESC",
            "Character Result/Finding in Std Format",
            20,
            "Exp",
            origin="Derived",
            method="palms x 1% (palm method)",
        ),
        text(
            "FASTRESN",
            "Numeric Result/Finding in Standard Units",
            8,
            "Perm",
            type="float",
            origin="Derived",
        ),
        text("FASTRESU", "Standard Units", 8, "Perm", codelist="UNIT", origin="Assigned"),
        text("FALOC", "Location of the Finding", 20, "Perm", codelist="LOC", origin="Assigned"),
        text(
            "FAMETHOD",
            "Method of Test or Examination",
            20,
            "Perm",
            codelist="METHOD",
            origin="Assigned",
        ),
        text("FADRVFL", "Derived Flag", 1, "Perm", codelist="NY", origin="Derived"),
        lobxfl("FA"),
        *visit_vars(),
        epoch(),
        dtc("FADTC", "Date/Time of Collection", "Exp", source="visit.actual_date"),
        dy("FADY", "Study Day of Collection", "FADTC"),
    ),
)


def _percent(palms: str | None) -> str | None:
    return None if palms is None else format(Decimal(palms) * PALM_PCT, "f")


def build_fa(context: SdtmContext) -> pl.DataFrame:
    """FA: BSA % per region and in total for each ``bsa`` entry."""
    form = next(f for f in context.protocol.forms if f.instrument == "bsa")
    entries = context.scores(context.entries(form.code, list(REGIONS)), ["bsa_pct"])
    frames = []
    for order, region in enumerate(REGIONS):
        percents = decide_distinct(entries, [region], _percent, "__pct", pl.String())
        frames.append(
            entries.with_columns(percents)
            .filter(pl.col(region).is_not_null())
            .select(
                *ENTRY_COLUMNS,
                pl.lit(order).alias("__order"),
                pl.lit(BSA_LOCATIONS[region]).alias("FALOC"),
                pl.col(region).alias("ORRES"),
                pl.col("__pct").alias("STRESC"),
                pl.lit(None, pl.String).alias("DRVFL"),
            )
        )
    frames.append(
        entries.filter(pl.col("score_bsa_pct").is_not_null()).select(
            *ENTRY_COLUMNS,
            pl.lit(len(REGIONS)).alias("__order"),
            pl.lit("SKIN").alias("FALOC"),
            pl.col("score_bsa_pct").alias("ORRES"),
            pl.col("score_bsa_pct").alias("STRESC"),
            pl.lit("Y").alias("DRVFL"),
        )
    )
    frame = pl.concat(frames, how="vertical_relaxed").with_columns(
        pl.lit(BSA_TESTCD).alias("TESTCD"),
        pl.lit(BSA_TEST).alias("TEST"),
        pl.lit("PSORIASIS").alias("FAOBJ"),
        pl.lit("%").alias("ORRESU"),
        pl.lit("%").alias("STRESU"),
        pl.col("STRESC").cast(pl.Float64, strict=False).alias("STRESN"),
        pl.lit("PALM METHOD").alias("FAMETHOD"),
    )
    return finish_findings(context, frame, prefix="FA", by_vars=["FAOBJ", "FALOC"])
