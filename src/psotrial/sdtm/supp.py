"""SUPP-- (Supplemental Qualifiers): collected values with no standard variable.

| dataset | QNAM | what | IDVAR |
|---|---|---|---|
| SUPPDM | CETHNIC | ethnic group as collected (Han / Other / Not reported) | (subject) |
| SUPPEX | PLANCELL | planned cells for the infusion | EXSEQ |
| SUPPEX | ACTCELL | actual cells infused | EXSEQ |
| SUPPEX | DOSEWT | body weight (kg) the dose was computed from | EXSEQ |
| SUPPEX | INFREACT | infusion reaction (Y/N) | EXSEQ |
| SUPPMH | FACEONLY | psoriasis lesions exclusively on the face (Y/N) | MHSEQ |

QORIG is ``CRF`` for each (collected), QEVAL null.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.text import choice_labels, to_ascii
from psotrial.sdtm.variables import studyid, text, usubjid

__all__ = ["SUPP_SPECS", "build_supp", "supp_spec"]

SUPP_PARENTS = ("DM", "EX", "MH")


def supp_spec(parent: str) -> DatasetSpec:
    """The SUPP-- dataset specification for the parent domain ``parent``."""
    return DatasetSpec(
        f"SUPP{parent}",
        f"Supplemental Qualifiers for {parent}",
        "Relationship",
        "One record per IDVAR, IDVARVAL, and QNAM value per subject",
        ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"),
        (
            studyid(),
            text(
                "RDOMAIN",
                "Related Domain Abbreviation",
                2,
                "Req",
                codelist="DOMAIN",
                origin="Assigned",
            ),
            usubjid(),
            text("IDVAR", "Identifying Variable", 8, "Exp", origin="Assigned"),
            text("IDVARVAL", "Identifying Variable Value", 20, "Exp", origin="Assigned"),
            text("QNAM", "Qualifier Variable Name", 8, "Req", origin="Assigned"),
            text("QLABEL", "Qualifier Variable Label", 40, "Req", origin="Assigned"),
            text("QVAL", "Data Value", 200, "Req"),
            text("QORIG", "Origin", 20, "Req", origin="Assigned"),
            text("QEVAL", "Evaluator", 20, "Exp", origin="Assigned"),
        ),
    )


SUPP_SPECS = {f"SUPP{parent}": supp_spec(parent) for parent in SUPP_PARENTS}


def _records(
    frame: pl.DataFrame,
    parent: str,
    idvar: str | None,
    qualifiers: Mapping[str, tuple[str, pl.Expr]],
) -> pl.DataFrame:
    parts = [
        frame.select(
            "STUDYID",
            pl.lit(parent).alias("RDOMAIN"),
            "USUBJID",
            pl.lit(idvar, pl.String).alias("IDVAR"),
            (pl.col(idvar).cast(pl.String) if idvar else pl.lit(None, pl.String)).alias("IDVARVAL"),
            pl.lit(qnam).alias("QNAM"),
            pl.lit(label).alias("QLABEL"),
            value.cast(pl.String).alias("QVAL"),
            pl.lit("CRF").alias("QORIG"),
            pl.lit(None, pl.String).alias("QEVAL"),
        ).filter(pl.col("QVAL").is_not_null())
        for qnam, (label, value) in qualifiers.items()
    ]
    return pl.concat(parts, how="vertical_relaxed")


def _yes_no(column: str) -> pl.Expr:
    return pl.col(column).replace_strict({"true": "Y", "false": "N"}, default=None)


def build_supp(context: SdtmContext, built: Mapping[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """SUPPDM, SUPPEX and SUPPMH from the captured entries and the built parent domains
    (``built`` holds DM, EX and MH before they are cut to their specs)."""
    protocol = context.protocol
    ethnic = {
        k: to_ascii(v).upper()
        for k, v in choice_labels(protocol, "demographics", "ethnicity").items()
    }
    demographics = context.entries("demographics", ["ethnicity"])
    suppdm = _records(
        demographics,
        "DM",
        None,
        {
            "CETHNIC": (
                "Collected Ethnicity",
                pl.col("ethnicity").replace_strict(ethnic, default=pl.col("ethnicity")),
            )
        },
    )
    suppex = _records(
        built["EX"],
        "EX",
        "EXSEQ",
        {
            "PLANCELL": ("Planned Number of Cells", pl.col("planned_cells")),
            "ACTCELL": ("Actual Number of Cells Infused", pl.col("actual_cells")),
            "DOSEWT": ("Body Weight Used for Dose (kg)", pl.col("weight_kg_used")),
            "INFREACT": ("Infusion Reaction", _yes_no("reaction")),
        },
    )
    history = context.entries("psoriasis_history", ["face_only"]).select(
        pl.col("spid").alias("MHSPID"), "face_only"
    )
    diagnosis = (
        built["MH"]
        .filter((pl.col("MHCAT") == "PSORIASIS HISTORY") & pl.col("MHPRESP").is_null())
        .join(history, on="MHSPID", how="inner")
    )
    suppmh = _records(
        diagnosis,
        "MH",
        "MHSEQ",
        {"FACEONLY": ("Lesions Exclusively on the Face", _yes_no("face_only"))},
    )
    return {"SUPPDM": suppdm, "SUPPEX": suppex, "SUPPMH": suppmh}
