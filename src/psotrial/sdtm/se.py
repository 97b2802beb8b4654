"""SE (Subject Elements): each subject's actual elements, from
:func:`psotrial.sdtm.elements.build_elements` (see there for the start and end rules)."""

from __future__ import annotations

import polars as pl

from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.dates import derive_var_dy, format_dtc
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.sequence import derive_var_seq
from psotrial.sdtm.variables import domain, dtc, dy, epoch, seq, studyid, text, usubjid

__all__ = ["SE_SPEC", "build_se"]

SE_SPEC = DatasetSpec(
    "SE",
    "Subject Elements",
    "Special-Purpose",
    "One record per actual Element per subject",
    ("STUDYID", "USUBJID", "SESEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("SE"),
        text("ETCD", "Element Code", 8, "Req", origin="Derived"),
        text("ELEMENT", "Description of Element", 100, "Perm", origin="Derived"),
        text(
            "TAETORD",
            "Planned Order of Element within Arm",
            8,
            "Perm",
            type="integer",
            origin="Derived",
        ),
        epoch("Perm"),
        dtc("SESTDTC", "Start Date/Time of Element", "Req"),
        dtc("SEENDTC", "End Date/Time of Element", "Exp"),
        dy("SESTDY", "Study Day of Start of Element", "SESTDTC"),
        dy("SEENDY", "Study Day of End of Element", "SEENDTC"),
        text("SEUPDES", "Description of Unplanned Element", 200, "Perm", origin="Derived"),
    ),
)


def build_se(context: SdtmContext) -> pl.DataFrame:
    """SE: one record per element each subject entered."""
    frame = context.elements.join(
        context.subjects.select("USUBJID", "STUDYID", "RFSTDTC"), on="USUBJID", how="left"
    ).with_columns(
        pl.lit("SE").alias("DOMAIN"),
        format_dtc(pl.col("start")).alias("SESTDTC"),
        format_dtc(pl.col("end")).alias("SEENDTC"),
    )
    frame = derive_var_dy(frame, dtc="SESTDTC", new_var="SESTDY")
    frame = derive_var_dy(frame, dtc="SEENDTC", new_var="SEENDY")
    return derive_var_seq(frame, order=["TAETORD"], new_var="SESEQ")
