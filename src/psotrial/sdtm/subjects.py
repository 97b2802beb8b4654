"""Subjects: identifiers and reference dates, derived once and joined by every domain.

De-identification: SDTM carries the participant code only. SUBJID is the participant code
(``GZ01-001``), or the screening number (``GZ01-S001``) for a candidate never enrolled;
USUBJID is ``STUDYID-SUBJID``. No names, birth dates or other identifiers leave capture.

Reference dates (SDTMIG 3.4 DM; architecture.md):

* RFICDTC: the informed consent date (form ``informed_consent.consent_date``);
* RFSTDTC: the date of the first infusion (Day 1), RFXSTDTC/RFXENDTC: the first and last
  infusion start date/times (form ``infusion.start_time``, site local time);
* disposition: the latest submitted ``end_of_study`` form, else a screen failure or
  withdrawal recorded on the participant (status and status date);
* RFENDTC: the disposition date for a treated subject, else (still on study) the latest
  visit date; RFPENDTC: the disposition date, else the latest visit or status date;
* DTHFL/DTHDTC: ``Y`` and the date when the disposition is death or an AE is fatal.
"""

from __future__ import annotations

import polars as pl

from psotrial.sdtm.dates import format_dtc
from psotrial.sdtm.entries import select_entries
from psotrial.sdtm.source import Captured

__all__ = [
    "DISPOSED_STATUSES",
    "build_subject_keys",
    "derive_reference_dates",
    "order_subjects",
]

# Participant statuses that end participation without an end-of-study form.
DISPOSED_STATUSES = ("screen_failed", "withdrawn")


def _subjid() -> pl.Expr:
    return pl.coalesce("participant_code", "screening_number")


def build_subject_keys(captured: Captured, study_id: str) -> pl.DataFrame:
    """participant_id, STUDYID, USUBJID, SUBJID, SITEID and the participant's status columns."""
    subjid = _subjid()
    return captured.participants.select(
        "participant_id",
        pl.lit(study_id).alias("STUDYID"),
        pl.format("{}-{}", pl.lit(study_id), subjid).alias("USUBJID"),
        subjid.alias("SUBJID"),
        pl.col("site_code").alias("SITEID"),
        "participant_code",
        "status",
        "status_date",
        "status_reason",
        "screening_date",
    )


def derive_reference_dates(
    captured: Captured, keys: pl.DataFrame, infusions: pl.DataFrame
) -> pl.DataFrame:
    """Add RFICDTC, RFSTDTC, RFXSTDTC, RFXENDTC, RFENDTC, RFPENDTC, DTHFL, DTHDTC and the
    disposition (``dispo_status``, ``dispo_date``, ``dispo_reason``, ``dispo_spid``)."""
    consent = (
        select_entries(
            captured, keys.select("participant_id"), "informed_consent", ["consent_date"]
        )
        .group_by("participant_id")
        .agg(pl.col("consent_date").min().alias("RFICDTC"), pl.col("spid").first().alias("ic_spid"))
    )
    exposure = (
        infusions.filter(pl.col("EXSTDTC").is_not_null())
        .group_by("participant_id")
        .agg(
            pl.col("EXSTDTC").sort().first().alias("RFXSTDTC"),
            pl.col("EXSTDTC").sort().last().alias("RFXENDTC"),
        )
        .with_columns(pl.col("RFXSTDTC").str.slice(0, 10).alias("RFSTDTC"))
    )
    end_forms = (
        select_entries(
            captured, keys.select("participant_id"), "end_of_study", ["status", "date", "reason"]
        )
        .sort("entry_id")
        .group_by("participant_id")
        .last()
        .select(
            "participant_id",
            pl.col("status").alias("form_status"),
            pl.col("date").alias("form_date"),
            pl.col("reason").alias("form_reason"),
            pl.col("spid").alias("dispo_spid"),
        )
    )
    last_visit = (
        captured.visits.filter(pl.col("actual_date").is_not_null())
        .group_by("participant_id")
        .agg(pl.col("actual_date").max().alias("last_visit"))
    )
    fatal = (
        select_entries(
            captured, keys.select("participant_id"), "adverse_event", ["outcome", "resolution_date"]
        )
        .filter(pl.col("outcome") == "fatal")
        .group_by("participant_id")
        .agg(pl.col("resolution_date").min().alias("ae_death_date"))
    )
    disposed_by_status = pl.col("status").is_in(DISPOSED_STATUSES)
    frame = (
        keys.join(consent, on="participant_id", how="left")
        .join(exposure, on="participant_id", how="left")
        .join(end_forms, on="participant_id", how="left")
        .join(last_visit, on="participant_id", how="left")
        .join(fatal, on="participant_id", how="left")
        .with_columns(
            pl.coalesce("form_status", pl.when(disposed_by_status).then(pl.col("status"))).alias(
                "dispo_status"
            ),
            pl.coalesce(
                "form_date", pl.when(disposed_by_status).then(format_dtc(pl.col("status_date")))
            ).alias("dispo_date"),
            pl.coalesce(
                "form_reason", pl.when(disposed_by_status).then(pl.col("status_reason"))
            ).alias("dispo_reason"),
        )
    )
    last_visit_dtc = format_dtc(pl.col("last_visit"))
    death_by_form = pl.col("dispo_status") == "death"
    return frame.with_columns(
        pl.when(pl.col("RFSTDTC").is_not_null())
        .then(pl.coalesce("dispo_date", last_visit_dtc))
        .alias("RFENDTC"),
        pl.coalesce("dispo_date", last_visit_dtc, format_dtc(pl.col("status_date"))).alias(
            "RFPENDTC"
        ),
        pl.when(death_by_form | pl.col("ae_death_date").is_not_null())
        .then(pl.lit("Y"))
        .alias("DTHFL"),
        pl.when(death_by_form)
        .then(pl.col("dispo_date"))
        .otherwise(pl.col("ae_death_date"))
        .alias("DTHDTC"),
    ).drop("form_status", "form_date", "form_reason", "ae_death_date")


def order_subjects(participants: pl.DataFrame) -> list[int]:
    """The participant ids in USUBJID order (the order of every subject-level dataset).

    USUBJID is ``STUDYID-SUBJID`` with one STUDYID, so SUBJID orders it. SUBJIDs are
    unique (participant codes and screening numbers are), so the order is total.

    Example:
        >>> frame = pl.DataFrame({"participant_id": [1, 2, 3],
        ...     "participant_code": ["GZ01-002", None, "GZ01-001"],
        ...     "screening_number": ["GZ01-S001", "GZ01-S002", "GZ01-S003"]})
        >>> order_subjects(frame)
        [3, 1, 2]
    """
    ordered = participants.select("participant_id", _subjid().alias("subjid")).sort(
        "subjid", "participant_id", nulls_last=True
    )
    return [int(p) for p in ordered.get_column("participant_id")]
