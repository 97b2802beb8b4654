"""CM (Concomitant/Prior Medications).

* ``concomitant_medication`` (repeating): one record per entry, CMCAT ``CONCOMITANT
  MEDICATION``; name, indication, dose and unit as entered (not coded: CMDECOD null, no
  WHODrug licence here); route mapped to ROUTE C66729; an ongoing medication without an end
  date has CMENRTPT ``ONGOING`` relative to ``END OF STUDY``;
* ``prior_therapies``: one pre-specified record per therapy class (CMCAT ``PRIOR PSORIASIS
  THERAPY``, CMPRESP ``Y``): CMOCCUR ``Y`` with CMENDTC the last use, or ``N`` when the
  answer is "never" (a stored null). Phototherapy is a procedure in strict SDTM (PR); it is
  kept here beside the other washout classes so the washout criteria read one domain.
"""

from __future__ import annotations

from types import MappingProxyType

import polars as pl

from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.dates import derive_var_dy
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.variables import domain, dtc, dy, epoch, seq, spid, studyid, text, usubjid

__all__ = ["CM_SPEC", "PRIOR_THERAPIES", "ROUTES", "build_cm"]

ROUTES = MappingProxyType(
    {
        "oral": "ORAL",
        "topical": "TOPICAL",
        "iv": "INTRAVENOUS",
        "sc": "SUBCUTANEOUS",
        "other": "OTHER",
    }
)
PRIOR_THERAPIES = MappingProxyType(
    {
        "topical_last_date": "TOPICAL CORTICOSTEROID, RETINOID OR VITAMIN D ANALOGUE",
        "systemic_last_date": "SYSTEMIC THERAPY FOR PSORIASIS",
        "phototherapy_last_date": "PHOTOTHERAPY (UVB, PUVA)",
        "biologic_last_date": "BIOLOGICAL THERAPY",
    }
)

CM_SPEC = DatasetSpec(
    "CM",
    "Concomitant/Prior Medications",
    "Interventions",
    "One record per recorded intervention occurrence or constant-dosing interval per subject",
    ("STUDYID", "USUBJID", "CMSEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("CM"),
        spid("CM"),
        text(
            "CMTRT",
            "Reported Name of Drug, Med, or Therapy",
            200,
            "Req",
            source="concomitant_medication.name",
        ),
        text("CMCAT", "Category for Medication", 40, "Perm", origin="Assigned"),
        text("CMPRESP", "CM Pre-specified", 1, "Perm", codelist="NY", origin="Assigned"),
        text(
            "CMOCCUR",
            "CM Occurrence",
            1,
            "Perm",
            codelist="NY",
            source="prior_therapies.*_last_date",
        ),
        text("CMINDC", "Indication", 200, "Perm", source="concomitant_medication.indication"),
        text(
            "CMDOSE",
            "Dose per Administration",
            8,
            "Perm",
            type="float",
            source="concomitant_medication.dose",
        ),
        text(
            "CMDOSU",
            "Dose Units",
            40,
            "Perm",
            codelist="UNIT",
            source="concomitant_medication.dose_unit",
        ),
        text(
            "CMROUTE",
            "Route of Administration",
            40,
            "Perm",
            codelist="ROUTE",
            source="concomitant_medication.route",
        ),
        epoch(),
        dtc(
            "CMSTDTC",
            "Start Date/Time of Medication",
            "Perm",
            source="concomitant_medication.start_date",
        ),
        dtc(
            "CMENDTC",
            "End Date/Time of Medication",
            "Perm",
            source="concomitant_medication.end_date",
        ),
        dy("CMSTDY", "Study Day of Start of Medication", "CMSTDTC"),
        dy("CMENDY", "Study Day of End of Medication", "CMENDTC"),
        text(
            "CMENRTPT",
            "End Relative to Reference Time Point",
            10,
            "Perm",
            codelist="STENRF",
            origin="Derived",
            source="concomitant_medication.ongoing",
        ),
        text("CMENTPT", "End Reference Time Point", 40, "Perm", origin="Assigned"),
    ),
)


def build_cm(context: SdtmContext) -> pl.DataFrame:
    """CM: concomitant medications and the prior psoriasis therapy classes."""
    meds = context.entries(
        "concomitant_medication",
        ["name", "indication", "dose", "dose_unit", "route", "start_date", "end_date", "ongoing"],
    )
    ongoing = (pl.col("ongoing") == "true") & pl.col("end_date").is_null()
    concomitant = meds.select(
        "USUBJID",
        "STUDYID",
        "RFSTDTC",
        pl.col("spid").alias("CMSPID"),
        pl.col("name").alias("CMTRT"),
        pl.lit("CONCOMITANT MEDICATION").alias("CMCAT"),
        pl.lit(None, dtype=pl.String).alias("CMPRESP"),
        pl.lit(None, dtype=pl.String).alias("CMOCCUR"),
        pl.col("indication").alias("CMINDC"),
        pl.col("dose").cast(pl.Float64).alias("CMDOSE"),
        pl.col("dose_unit").alias("CMDOSU"),
        pl.col("route").replace_strict(dict(ROUTES), default=None).alias("CMROUTE"),
        pl.col("start_date").alias("CMSTDTC"),
        pl.col("end_date").alias("CMENDTC"),
        pl.when(ongoing).then(pl.lit("ONGOING")).alias("CMENRTPT"),
        pl.when(ongoing).then(pl.lit("END OF STUDY")).alias("CMENTPT"),
    )
    prior_entries = context.entries("prior_therapies", list(PRIOR_THERAPIES))
    answered = context.captured.item_values.answered(
        list(PRIOR_THERAPIES), forms=["prior_therapies"]
    )
    prior = (
        prior_entries.unpivot(
            index=["entry_id", "USUBJID", "STUDYID", "RFSTDTC", "spid", "visit_date"],
            on=list(PRIOR_THERAPIES),
            variable_name="item",
            value_name="last_date",
        )
        .join(answered, on=["entry_id", "item"], how="semi")
        .select(
            "USUBJID",
            "STUDYID",
            "RFSTDTC",
            pl.col("spid").alias("CMSPID"),
            pl.col("item").replace_strict(dict(PRIOR_THERAPIES)).alias("CMTRT"),
            pl.lit("PRIOR PSORIASIS THERAPY").alias("CMCAT"),
            pl.lit("Y").alias("CMPRESP"),
            pl.when(pl.col("last_date").is_not_null())
            .then(pl.lit("Y"))
            .otherwise(pl.lit("N"))
            .alias("CMOCCUR"),
            pl.lit(None, dtype=pl.String).alias("CMINDC"),
            pl.lit(None, dtype=pl.Float64).alias("CMDOSE"),
            pl.lit(None, dtype=pl.String).alias("CMDOSU"),
            pl.lit(None, dtype=pl.String).alias("CMROUTE"),
            pl.lit(None, dtype=pl.String).alias("CMSTDTC"),
            pl.col("last_date").alias("CMENDTC"),
            pl.lit(None, dtype=pl.String).alias("CMENRTPT"),
            pl.lit(None, dtype=pl.String).alias("CMENTPT"),
        )
    )
    frame = pl.concat([prior, concomitant], how="vertical_relaxed")
    dated = frame.with_columns(pl.coalesce("CMSTDTC", "CMENDTC").alias("__date"))
    finished = context.finish(
        dated, prefix="CM", dtc="__date", dy=None, order=["CMCAT", "__date", "CMSPID", "CMTRT"]
    )
    finished = derive_var_dy(finished, dtc="CMSTDTC", new_var="CMSTDY")
    return derive_var_dy(finished, dtc="CMENDTC", new_var="CMENDY").drop("__date")
