"""DS (Disposition): informed consent and the end of participation.

* ``INFORMED CONSENT OBTAINED`` (DSCAT ``PROTOCOL MILESTONE``) on the consent date
  (``informed_consent.consent_date``);
* one ``DISPOSITION EVENT`` per subject whose participation ended: the ``end_of_study`` form
  (status mapped to NCOMPLT C66727 below, DSTERM the reason as entered, else the decode),
  else a screen failure or withdrawal recorded on the participant (DSTERM its reason, e.g.
  ``not met: IN01``). ``other`` maps to ``OTHER`` (NCOMPLT is extensible).
"""

from __future__ import annotations

from types import MappingProxyType

import polars as pl

from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.variables import domain, dtc, dy, epoch, seq, spid, studyid, text, usubjid

__all__ = ["DISPOSITION_TERMS", "DS_SPEC", "build_ds"]

DISPOSITION_TERMS = MappingProxyType(
    {
        "completed": "COMPLETED",
        "withdrawn": "WITHDRAWAL BY SUBJECT",
        "adverse_event": "ADVERSE EVENT",
        "lost_to_follow_up": "LOST TO FOLLOW-UP",
        "investigator_decision": "PHYSICIAN DECISION",
        "death": "DEATH",
        "other": "OTHER",
        "screen_failed": "SCREEN FAILURE",
    }
)

DS_SPEC = DatasetSpec(
    "DS",
    "Disposition",
    "Events",
    "One record per disposition status or protocol milestone per subject",
    ("STUDYID", "USUBJID", "DSSEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("DS"),
        spid("DS"),
        text(
            "DSTERM",
            "Reported Term for the Disposition Event",
            200,
            "Req",
            source="end_of_study.reason",
        ),
        text(
            "DSDECOD",
            "Standardized Disposition Term",
            40,
            "Req",
            codelist="NCOMPLT",
            origin="Assigned",
            source="end_of_study.status",
        ),
        text(
            "DSCAT",
            "Category for Disposition Event",
            20,
            "Exp",
            codelist="DSCAT",
            origin="Assigned",
        ),
        epoch(),
        dtc("DSSTDTC", "Start Date/Time of Disposition Event", "Exp", source="end_of_study.date"),
        dy("DSSTDY", "Study Day of Start of Disposition Event", "DSSTDTC"),
    ),
)


def build_ds(context: SdtmContext) -> pl.DataFrame:
    """DS: consent milestones and disposition events."""
    subjects = context.subjects
    consent = subjects.filter(pl.col("RFICDTC").is_not_null()).select(
        "USUBJID",
        "STUDYID",
        "RFSTDTC",
        pl.col("ic_spid").alias("DSSPID"),
        pl.lit("INFORMED CONSENT OBTAINED").alias("DSTERM"),
        pl.lit("INFORMED CONSENT OBTAINED").alias("DSDECOD"),
        pl.lit("PROTOCOL MILESTONE").alias("DSCAT"),
        pl.col("RFICDTC").alias("DSSTDTC"),
        pl.lit(0).alias("__rank"),
    )
    decod = pl.col("dispo_status").replace_strict(dict(DISPOSITION_TERMS), default="OTHER")
    disposition = subjects.filter(pl.col("dispo_status").is_not_null()).select(
        "USUBJID",
        "STUDYID",
        "RFSTDTC",
        pl.col("dispo_spid").alias("DSSPID"),
        pl.coalesce(pl.col("dispo_reason"), decod).alias("DSTERM"),
        decod.alias("DSDECOD"),
        pl.lit("DISPOSITION EVENT").alias("DSCAT"),
        pl.col("dispo_date").alias("DSSTDTC"),
        pl.lit(1).alias("__rank"),
    )
    frame = pl.concat([consent, disposition], how="vertical_relaxed")
    # A consent and a screen failure on the same day: the milestone comes first.
    return context.finish(
        frame, prefix="DS", dtc="DSSTDTC", dy="DSSTDY", order=["DSSTDTC", "__rank"]
    )
