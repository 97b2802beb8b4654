"""AE (Adverse Events): one record per ``adverse_event`` entry (a repeating form).

Coding (architecture.md "AE coding"): the site picks a CTCAE v5.0 term, which is a MedDRA
LLT; the capture stores its MedDRA code and SOC as scores. So AELLT/AELLTCD are the CTCAE
term and code, AEDECOD is the CTCAE term (for CTCAE v5.0 terms the LLT is the PT, bar a few
"Other, specify" terms), AEBODSYS/AESOC the SOC; PT/HLT/HLGT codes and the SOC code stay
null (no MedDRA licence here). AETERM is the verbatim term as entered.

AETOXGR is the CTCAE grade; AESEV is not collected (grade replaces it). AESER is the ICH
E2A seriousness; when serious, the chosen criterion sets its flag ``Y`` and the others
``N`` (AESDTH, AESLIFE, AESHOSP, AESDISAB, AESCONG, AESMIE), all null when not serious.
AEREL is sponsor-defined (no CDISC codelist): NOT RELATED, UNLIKELY RELATED, POSSIBLY
RELATED, PROBABLY RELATED, DEFINITELY RELATED. AEACN and AEOUT map to ACN C66767 and OUT
C66768. An event without a resolution date that is not recovered is ongoing (AEENRTPT
``ONGOING`` relative to ``END OF STUDY``).
"""

from __future__ import annotations

from types import MappingProxyType

import polars as pl

from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.dates import derive_var_dy
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.variables import domain, dtc, dy, epoch, seq, spid, studyid, text, usubjid

__all__ = ["ACTIONS", "AE_SPEC", "OUTCOMES", "RELATEDNESS", "SERIOUSNESS_FLAGS", "build_ae"]

RELATEDNESS = MappingProxyType(
    {
        "not_related": "NOT RELATED",
        "unlikely": "UNLIKELY RELATED",
        "possible": "POSSIBLY RELATED",
        "probable": "PROBABLY RELATED",
        "definite": "DEFINITELY RELATED",
    }
)
ACTIONS = MappingProxyType(
    {
        "none": "DOSE NOT CHANGED",
        "interrupted": "DRUG INTERRUPTED",
        "withdrawn": "DRUG WITHDRAWN",
        "not_applicable": "NOT APPLICABLE",
    }
)
OUTCOMES = MappingProxyType(
    {
        "recovered": "RECOVERED/RESOLVED",
        "recovering": "RECOVERING/RESOLVING",
        "not_recovered": "NOT RECOVERED/NOT RESOLVED",
        "sequelae": "RECOVERED/RESOLVED WITH SEQUELAE",
        "fatal": "FATAL",
        "unknown": "UNKNOWN",
    }
)
SERIOUSNESS_FLAGS = MappingProxyType(
    {
        "death": ("AESDTH", "Results in Death"),
        "life_threatening": ("AESLIFE", "Is Life Threatening"),
        "hospitalisation": ("AESHOSP", "Requires or Prolongs Hospitalization"),
        "disability": ("AESDISAB", "Persist or Signif Disability/Incapacity"),
        "congenital_anomaly": ("AESCONG", "Congenital Anomaly or Birth Defect"),
        "important_medical_event": ("AESMIE", "Other Medically Important Serious Event"),
    }
)

AE_SPEC = DatasetSpec(
    "AE",
    "Adverse Events",
    "Events",
    "One record per adverse event per subject",
    ("STUDYID", "USUBJID", "AESEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("AE"),
        spid("AE"),
        text(
            "AETERM",
            "Reported Term for the Adverse Event",
            200,
            "Req",
            source="adverse_event.verbatim",
        ),
        text(
            "AELLT",
            "Lowest Level Term",
            100,
            "Exp",
            codelist="MEDDRA",
            source="adverse_event.ctcae_term",
        ),
        text(
            "AELLTCD",
            "Lowest Level Term Code",
            8,
            "Exp",
            type="integer",
            codelist="MEDDRA",
            origin="Assigned",
        ),
        text(
            "AEDECOD",
            "Dictionary-Derived Term",
            100,
            "Req",
            codelist="MEDDRA",
            origin="Assigned",
            source="adverse_event.ctcae_term",
        ),
        text(
            "AEPTCD",
            "Preferred Term Code",
            8,
            "Exp",
            type="integer",
            codelist="MEDDRA",
            origin="Assigned",
        ),
        text("AEHLT", "High Level Term", 100, "Exp", codelist="MEDDRA", origin="Assigned"),
        text(
            "AEHLTCD",
            "High Level Term Code",
            8,
            "Exp",
            type="integer",
            codelist="MEDDRA",
            origin="Assigned",
        ),
        text("AEHLGT", "High Level Group Term", 100, "Exp", codelist="MEDDRA", origin="Assigned"),
        text(
            "AEHLGTCD",
            "High Level Group Term Code",
            8,
            "Exp",
            type="integer",
            codelist="MEDDRA",
            origin="Assigned",
        ),
        text(
            "AEBODSYS",
            "Body System or Organ Class",
            100,
            "Exp",
            codelist="MEDDRA",
            origin="Assigned",
        ),
        text(
            "AEBDSYCD",
            "Body System or Organ Class Code",
            8,
            "Exp",
            type="integer",
            codelist="MEDDRA",
            origin="Assigned",
        ),
        text(
            "AESOC", "Primary System Organ Class", 100, "Exp", codelist="MEDDRA", origin="Assigned"
        ),
        text(
            "AESOCCD",
            "Primary System Organ Class Code",
            8,
            "Exp",
            type="integer",
            codelist="MEDDRA",
            origin="Assigned",
        ),
        text("AESEV", "Severity/Intensity", 10, "Perm", codelist="AESEV"),
        text("AESER", "Serious Event", 1, "Exp", codelist="NY", source="adverse_event.serious"),
        text(
            "AEACN",
            "Action Taken with Study Treatment",
            40,
            "Exp",
            codelist="ACN",
            source="adverse_event.action_taken",
        ),
        text("AEREL", "Causality", 20, "Exp", codelist="AEREL", source="adverse_event.relatedness"),
        text(
            "AEOUT",
            "Outcome of Adverse Event",
            40,
            "Perm",
            codelist="OUT",
            source="adverse_event.outcome",
        ),
        *(
            text(flag, label, 1, "Perm", codelist="NY", source="adverse_event.seriousness")
            for flag, label in SERIOUSNESS_FLAGS.values()
        ),
        text("AETOXGR", "Standard Toxicity Grade", 1, "Perm", source="adverse_event.grade"),
        epoch(),
        dtc(
            "AESTDTC", "Start Date/Time of Adverse Event", "Exp", source="adverse_event.onset_date"
        ),
        dtc(
            "AEENDTC",
            "End Date/Time of Adverse Event",
            "Exp",
            source="adverse_event.resolution_date",
        ),
        dy("AESTDY", "Study Day of Start of Adverse Event", "AESTDTC"),
        dy("AEENDY", "Study Day of End of Adverse Event", "AEENDTC"),
        text(
            "AEENRTPT",
            "End Relative to Reference Time Point",
            10,
            "Perm",
            codelist="STENRF",
            origin="Derived",
        ),
        text("AEENTPT", "End Reference Time Point", 40, "Perm", origin="Assigned"),
    ),
)


def build_ae(context: SdtmContext) -> pl.DataFrame:
    """AE: one record per adverse event entry."""
    entries = context.entries(
        "adverse_event",
        [
            "ctcae_term",
            "verbatim",
            "onset_date",
            "resolution_date",
            "grade",
            "serious",
            "seriousness",
            "relatedness",
            "action_taken",
            "outcome",
        ],
    )
    events = context.scores(entries, ["ctcae_term", "meddra_code", "soc"])
    serious = pl.col("serious") == "true"
    flags = [
        pl.when(serious)
        .then(pl.when(pl.col("seriousness") == code).then(pl.lit("Y")).otherwise(pl.lit("N")))
        .alias(flag)
        for code, (flag, _) in SERIOUSNESS_FLAGS.items()
    ]
    term = pl.coalesce(pl.col("score_ctcae_term"), pl.col("ctcae_term"))
    ongoing = pl.col("resolution_date").is_null() & pl.col("outcome").is_in(
        ["recovering", "not_recovered"]
    )
    frame = events.with_columns(
        pl.col("spid").alias("AESPID"),
        pl.col("verbatim").alias("AETERM"),
        term.alias("AELLT"),
        pl.col("score_meddra_code").cast(pl.Int64, strict=False).alias("AELLTCD"),
        term.alias("AEDECOD"),
        pl.col("score_soc").alias("AEBODSYS"),
        pl.col("score_soc").alias("AESOC"),
        pl.when(serious).then(pl.lit("Y")).otherwise(pl.lit("N")).alias("AESER"),
        pl.col("action_taken").replace_strict(dict(ACTIONS), default=None).alias("AEACN"),
        pl.col("relatedness").replace_strict(dict(RELATEDNESS), default=None).alias("AEREL"),
        pl.col("outcome").replace_strict(dict(OUTCOMES), default=None).alias("AEOUT"),
        pl.col("grade").alias("AETOXGR"),
        pl.col("onset_date").alias("AESTDTC"),
        pl.col("resolution_date").alias("AEENDTC"),
        pl.when(ongoing).then(pl.lit("ONGOING")).alias("AEENRTPT"),
        pl.when(ongoing).then(pl.lit("END OF STUDY")).alias("AEENTPT"),
        *flags,
    )
    finished = context.finish(
        frame, prefix="AE", dtc="AESTDTC", dy="AESTDY", order=["AESTDTC", "AESPID"]
    )
    return derive_var_dy(finished, dtc="AEENDTC", new_var="AEENDY")
