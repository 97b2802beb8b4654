"""EX (Exposure): one record per infusion (form ``infusion``), as administered.

Dose (cdisc.md section 1.1, "EXDOSU gap"): the protocol dose is 2x10^6 cells/kg, and CT
2025-03-28 has no "10^6 cells/kg" unit, so EXDOSU is ``10^6/kg`` (UNIT C198380, the closest
term; documented in Define) and EXDOSE is the dose given, ``actual_cells / weight_kg_used /
10^6``, exactly in decimal and rounded half-up to 3 places (2 when the infusion was as
planned). Planned and actual cell counts and the weight used go to SUPPEX. EXSTDTC is the
infusion start in the site's local time; the end was not collected, so EXENDTC = EXSTDTC
(a single administration). EXLOT is the cell product lot. An infusion not completed as
planned has EXADJ ``INFUSION NOT COMPLETED AS PLANNED``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from functools import cache

import polars as pl

from psotrial.exact import round_half_up
from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.text import to_ascii
from psotrial.sdtm.variables import (
    domain,
    dtc,
    dy,
    epoch,
    seq,
    spid,
    studyid,
    text,
    usubjid,
    visit_vars,
)

__all__ = ["EXDOSU", "EX_SPEC", "build_ex", "compute_exdose", "compute_extrt"]

EXDOSU = "10^6/kg"
_NOT_COMPLETED = "INFUSION NOT COMPLETED AS PLANNED"

EX_SPEC = DatasetSpec(
    "EX",
    "Exposure",
    "Interventions",
    "One record per constant dosing interval per subject",
    ("STUDYID", "USUBJID", "EXSEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("EX"),
        spid("EX"),
        text("EXLNKID", "Link ID", 20, "Perm", origin="Assigned", method="Infusion number"),
        text("EXTRT", "Name of Treatment", 100, "Req", origin="Protocol"),
        text(
            "EXDOSE",
            "Dose",
            8,
            "Exp",
            type="float",
            origin="Derived",
            source="infusion.actual_cells; infusion.weight_kg_used",
            method="actual_cells / weight_kg_used / 10^6, rounded half-up to 3 decimals",
        ),
        text("EXDOSU", "Dose Units", 20, "Exp", codelist="UNIT", origin="Assigned"),
        text("EXDOSFRM", "Dose Form", 20, "Exp", codelist="FRM", origin="Assigned"),
        text(
            "EXDOSFRQ",
            "Dosing Frequency per Interval",
            20,
            "Perm",
            codelist="FREQ",
            origin="Assigned",
        ),
        text("EXROUTE", "Route of Administration", 20, "Perm", codelist="ROUTE", origin="Protocol"),
        text("EXLOT", "Lot Number", 40, "Perm", source="infusion.lot_number"),
        text(
            "EXADJ",
            "Reason for Dose Adjustment",
            200,
            "Perm",
            origin="Derived",
            source="infusion.completed",
        ),
        *visit_vars("Perm"),
        epoch(),
        dtc("EXSTDTC", "Start Date/Time of Treatment", "Exp", source="infusion.start_time"),
        dtc("EXENDTC", "End Date/Time of Treatment", "Exp", source="infusion.start_time"),
        dy("EXSTDY", "Study Day of Start of Treatment", "EXSTDTC"),
        dy("EXENDY", "Study Day of End of Treatment", "EXENDTC"),
    ),
)


def compute_exdose(actual_cells: str | None, weight_kg: str | None) -> float | None:
    """The dose given in 10^6 cells/kg, exact then rounded half-up to 3 places.

    Example:
        >>> compute_exdose("159600000", "79.8"), compute_exdose("150000000", "80")
        (2.0, 1.875)
    """
    if actual_cells is None or weight_kg is None or Decimal(weight_kg) == 0:
        return None
    return _exdose(actual_cells, weight_kg)


@cache
def _exdose(actual_cells: str, weight_kg: str) -> float:
    # Many infusions share a (cells, weight) pair; the exact division is done once per pair.
    dose = Fraction(Decimal(actual_cells)) / Fraction(Decimal(weight_kg)) / 1_000_000
    return float(round_half_up(dose, 3))


def compute_extrt(product: str) -> str:
    """EXTRT from the protocol's product name: ASCII, upper case, without the abbreviation.

    Example:
        >>> compute_extrt("Umbilical cord mesenchymal stem cells (UCMSCs)")
        'UMBILICAL CORD MESENCHYMAL STEM CELLS'
    """
    return to_ascii(product).split(" (")[0].upper()


def build_ex(context: SdtmContext) -> pl.DataFrame:
    """EX: one record per infusion given."""
    infusions = context.infusions
    doses = [
        compute_exdose(cells, weight)
        for cells, weight in zip(
            infusions["actual_cells"], infusions["weight_kg_used"], strict=True
        )
    ]
    frame = infusions.with_columns(
        pl.Series("EXDOSE", doses, dtype=pl.Float64),
        pl.col("spid").alias("EXSPID"),
        pl.col("infusion_number").alias("EXLNKID"),
        pl.lit(compute_extrt(context.protocol.arm().dosing.product)).alias("EXTRT"),
        pl.lit(EXDOSU).alias("EXDOSU"),
        pl.lit("SUSPENSION").alias("EXDOSFRM"),
        pl.lit("ONCE").alias("EXDOSFRQ"),
        pl.lit("INTRAVENOUS").alias("EXROUTE"),
        pl.col("lot_number").alias("EXLOT"),
        pl.when(pl.col("completed") == "false").then(pl.lit(_NOT_COMPLETED)).alias("EXADJ"),
        pl.col("EXSTDTC").alias("EXENDTC"),
    )
    return context.finish(
        frame, prefix="EX", dtc="EXSTDTC", dy="EXSTDY", order=["EXSTDTC", "EXSPID"], visit=True
    ).pipe(_end_day)


def _end_day(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("EXSTDY").alias("EXENDY"))
