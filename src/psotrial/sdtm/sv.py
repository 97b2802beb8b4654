"""SV (Subject Visits): one record per visit that took place (``visit.actual_date``).

Every protocol visit is planned (SVPRESP ``Y``); a recorded visit occurred (SVOCCUR ``Y``).
Visits were dated, not timed, so SVSTDTC = SVENDTC = the visit date. EPOCH from SE.
"""

from __future__ import annotations

import polars as pl

from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.dates import derive_var_dy, format_dtc
from psotrial.sdtm.elements import derive_var_epoch
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.variables import domain, dtc, dy, epoch, studyid, text, usubjid, visit_vars
from psotrial.sdtm.visits import derive_vars_visit

__all__ = ["SV_SPEC", "build_sv"]

SV_SPEC = DatasetSpec(
    "SV",
    "Subject Visits",
    "Special-Purpose",
    "One record per actual or planned visit per subject",
    ("STUDYID", "USUBJID", "VISITNUM"),
    (
        studyid(),
        domain(),
        usubjid(),
        *visit_vars("Req"),
        text("SVPRESP", "Pre-specified", 1, "Exp", codelist="NY", origin="Assigned"),
        text("SVOCCUR", "Occurrence", 1, "Exp", codelist="NY", origin="Derived"),
        epoch(),
        dtc("SVSTDTC", "Start Date/Time of Visit", "Exp", source="visit.actual_date"),
        dtc("SVENDTC", "End Date/Time of Visit", "Exp", source="visit.actual_date"),
        dy("SVSTDY", "Study Day of Start of Visit", "SVSTDTC"),
        dy("SVENDY", "Study Day of End of Visit", "SVENDTC"),
        text("SVUPDES", "Description of Unplanned Visit", 200, "Perm", origin="Collected"),
    ),
)


def build_sv(context: SdtmContext) -> pl.DataFrame:
    """SV: the visits each subject attended."""
    frame = (
        context.captured.visits.filter(pl.col("actual_date").is_not_null())
        .join(context.keys, on="participant_id", how="inner")
        .with_columns(
            pl.lit("SV").alias("DOMAIN"),
            pl.lit("Y").alias("SVPRESP"),
            pl.lit("Y").alias("SVOCCUR"),
            format_dtc(pl.col("actual_date")).alias("SVSTDTC"),
            format_dtc(pl.col("actual_date")).alias("SVENDTC"),
        )
    )
    frame = derive_vars_visit(frame, visit_map=context.visit_map)
    frame = derive_var_epoch(frame, elements=context.elements, dtc="SVSTDTC")
    frame = derive_var_dy(frame, dtc="SVSTDTC", new_var="SVSTDY")
    return derive_var_dy(frame, dtc="SVENDTC", new_var="SVENDY")
