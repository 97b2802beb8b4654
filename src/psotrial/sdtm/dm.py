"""DM (Demographics): one record per participant who consented, screen failures included.

Sources: ``demographics`` (sex, birth date, ethnic group), ``informed_consent`` and the
reference dates of :mod:`psotrial.sdtm.subjects`. AGE is completed years at the screening
date (protocol setting ``age``; :func:`psotrial.screening.facts.compute_age`); BRTHDTC is not
submitted (de-identification). RACE is not collected on this CRF and stays null; the
collected Chinese ethnic group (Han / other) has no home in ETHNIC (CT C66790 is about
Hispanic or Latino origin) and goes to SUPPDM.CETHNIC. ARMNRS: ``SCREEN FAILURE``,
``NOT ASSIGNED`` (still screening) or ``ASSIGNED, NOT TREATED`` (enrolled, no infusion yet).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from psotrial.screening.facts import compute_age
from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.dates import derive_var_dy, format_dtc
from psotrial.sdtm.elements import derive_var_epoch
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.text import to_ascii
from psotrial.sdtm.variables import domain, dtc, dy, studyid, text, usubjid

__all__ = ["DM_SPEC", "build_dm"]

_DEMOGRAPHICS = "demographics"

DM_SPEC = DatasetSpec(
    "DM",
    "Demographics",
    "Special-Purpose",
    "One record per subject",
    ("STUDYID", "USUBJID"),
    (
        studyid(),
        domain(),
        usubjid(),
        text("SUBJID", "Subject Identifier for the Study", 20, "Req", origin="Assigned"),
        text(
            "RFSTDTC",
            "Subject Reference Start Date/Time",
            19,
            "Exp",
            origin="Derived",
            source="infusion.start_time",
            method="Date of the first infusion",
        ),
        text(
            "RFENDTC",
            "Subject Reference End Date/Time",
            19,
            "Exp",
            origin="Derived",
            source="end_of_study.date",
            method="Disposition date, else the latest visit date",
        ),
        text(
            "RFXSTDTC",
            "Date/Time of First Study Treatment",
            19,
            "Exp",
            origin="Derived",
            source="infusion.start_time",
        ),
        text(
            "RFXENDTC",
            "Date/Time of Last Study Treatment",
            19,
            "Exp",
            origin="Derived",
            source="infusion.start_time",
        ),
        text(
            "RFICDTC",
            "Date/Time of Informed Consent",
            19,
            "Exp",
            source="informed_consent.consent_date",
        ),
        text(
            "RFPENDTC",
            "Date/Time of End of Participation",
            19,
            "Exp",
            origin="Derived",
            source="end_of_study.date",
        ),
        text(
            "DTHDTC", "Date/Time of Death", 19, "Exp", origin="Derived", source="end_of_study.date"
        ),
        text("DTHFL", "Subject Death Flag", 1, "Exp", codelist="NY", origin="Derived"),
        text("SITEID", "Study Site Identifier", 8, "Req", origin="Assigned"),
        text(
            "AGE",
            "Age",
            8,
            "Exp",
            type="integer",
            origin="Derived",
            source="demographics.birth_date",
            method="Completed years from birth date to screening date",
        ),
        text("AGEU", "Age Units", 5, "Exp", codelist="AGEU", origin="Assigned"),
        text("SEX", "Sex", 1, "Req", codelist="SEX", source="demographics.sex"),
        text("RACE", "Race", 40, "Exp", codelist="RACE"),
        text("ETHNIC", "Ethnicity", 40, "Perm", codelist="ETHNIC"),
        text("ARMCD", "Planned Arm Code", 20, "Exp", origin="Assigned"),
        text("ARM", "Description of Planned Arm", 200, "Exp", origin="Assigned"),
        text("ACTARMCD", "Actual Arm Code", 20, "Exp", origin="Derived"),
        text("ACTARM", "Description of Actual Arm", 200, "Exp", origin="Derived"),
        text(
            "ARMNRS",
            "Reason Arm and/or Actual Arm is Null",
            40,
            "Exp",
            codelist="ARMNULRS",
            origin="Derived",
        ),
        text("ACTARMUD", "Description of Unplanned Actual Arm", 200, "Exp", origin="Derived"),
        text("COUNTRY", "Country", 3, "Req", codelist="COUNTRY", origin="Assigned"),
        dtc("DMDTC", "Date/Time of Collection", "Perm", source="visit.actual_date"),
        dy("DMDY", "Study Day of Collection", "DMDTC"),
        text("EPOCH", "Epoch", 20, "Perm", codelist="EPOCH", origin="Derived"),
    ),
)


def build_dm(context: SdtmContext) -> pl.DataFrame:
    """DM: one record per participant in the captured data."""
    protocol = context.protocol
    arm = protocol.arm()
    countries = {site.code: site.country for site in protocol.sites}
    demographics = context.entries(_DEMOGRAPHICS, ["sex", "birth_date", "ethnicity"]).select(
        "participant_id", "sex", "birth_date", pl.col("visit_date").alias("dm_date")
    )
    frame = context.subjects.join(
        demographics.unique("participant_id", keep="last"), on="participant_id", how="left"
    )
    ages = [
        compute_age(date.fromisoformat(born), screened) if born else None
        for born, screened in zip(frame["birth_date"], frame["screening_date"], strict=True)
    ]
    enrolled = pl.col("participant_code").is_not_null()
    treated = pl.col("RFXSTDTC").is_not_null()
    frame = frame.with_columns(
        pl.Series("AGE", ages, dtype=pl.Int64),
        pl.when(pl.Series(ages).is_not_null()).then(pl.lit("YEARS")).alias("AGEU"),
        pl.col("sex").alias("SEX"),
        pl.when(enrolled).then(pl.lit(arm.code)).alias("ARMCD"),
        pl.when(enrolled).then(pl.lit(to_ascii(arm.name))).alias("ARM"),
        pl.when(treated).then(pl.lit(arm.code)).alias("ACTARMCD"),
        pl.when(treated).then(pl.lit(to_ascii(arm.name))).alias("ACTARM"),
        pl.when(pl.col("status") == "screen_failed")
        .then(pl.lit("SCREEN FAILURE"))
        .when(~enrolled)
        .then(pl.lit("NOT ASSIGNED"))
        .when(~treated)
        .then(pl.lit("ASSIGNED, NOT TREATED"))
        .alias("ARMNRS"),
        pl.col("SITEID").replace_strict(countries, default=None).alias("COUNTRY"),
        format_dtc(pl.col("dm_date")).alias("DMDTC"),
        pl.lit("DM").alias("DOMAIN"),
    )
    frame = derive_var_dy(frame, dtc="DMDTC", new_var="DMDY")
    return derive_var_epoch(frame, elements=context.elements, dtc="DMDTC")
