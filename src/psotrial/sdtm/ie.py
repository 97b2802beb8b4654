"""IE (Inclusion/Exclusion Criteria Not Met): one record per criterion a subject failed.

Source: the criterion verdicts of screening (``criterion_verdict``), status ``not_met``. An
inclusion criterion not met has IEORRES ``N``; an exclusion criterion that applies (the
candidate is excluded) has IEORRES ``Y`` (cdisc.md section 1.1). IETESTCD/IETEST/IECAT match
TI. The date is the screening visit's date.
"""

from __future__ import annotations

import polars as pl

from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.dates import format_dtc
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.trial_design import compute_ietest, compute_ietestcd
from psotrial.sdtm.variables import domain, dtc, dy, epoch, seq, studyid, text, usubjid, visit_vars

__all__ = ["IE_SPEC", "build_ie"]

IE_SPEC = DatasetSpec(
    "IE",
    "Inclusion/Exclusion Criteria Not Met",
    "Findings",
    "One record per inclusion/exclusion criterion not met per subject",
    ("STUDYID", "USUBJID", "IETESTCD"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("IE"),
        text(
            "IETESTCD",
            "Incl/Excl Criterion Short Name",
            8,
            "Req",
            origin="Assigned",
            source="criterion_verdict.criterion_id",
        ),
        text("IETEST", "Inclusion/Exclusion Criterion", 200, "Req", origin="Assigned"),
        text(
            "IECAT", "Inclusion/Exclusion Category", 9, "Req", codelist="IECAT", origin="Assigned"
        ),
        text(
            "IEORRES",
            "I/E Criterion Original Result",
            1,
            "Req",
            codelist="NY",
            origin="Derived",
            source="criterion_verdict.status",
        ),
        text(
            "IESTRESC",
            "I/E Criterion Result in Std Format",
            1,
            "Req",
            codelist="NY",
            origin="Derived",
        ),
        *visit_vars("Perm"),
        epoch(),
        dtc("IEDTC", "Date/Time of Collection", "Perm", source="visit.actual_date"),
        dy("IEDY", "Study Day of Collection", "IEDTC"),
    ),
)


def build_ie(context: SdtmContext) -> pl.DataFrame:
    """IE: the criteria each subject did not meet."""
    protocol = context.protocol
    criteria = pl.DataFrame(
        {
            "criterion_id": [c.id for c in protocol.criteria],
            "IETESTCD": [compute_ietestcd(c.id) for c in protocol.criteria],
            "IETEST": [compute_ietest(c) for c in protocol.criteria],
            "IECAT": [
                "INCLUSION" if c.kind == "inclusion" else "EXCLUSION" for c in protocol.criteria
            ],
        }
    )
    first = protocol.visits[0].code
    screening = context.captured.visits.filter(pl.col("visit_code") == first).select(
        "participant_id", "actual_date"
    )
    result = pl.when(pl.col("IECAT") == "INCLUSION").then(pl.lit("N")).otherwise(pl.lit("Y"))
    frame = (
        context.captured.verdicts.filter(pl.col("status") == "not_met")
        .join(criteria, on="criterion_id", how="inner")
        .join(context.keys, on="participant_id", how="inner")
        .join(screening, on="participant_id", how="left")
        .with_columns(
            pl.lit(first).alias("visit_code"),
            result.alias("IEORRES"),
            result.alias("IESTRESC"),
            format_dtc(pl.col("actual_date")).alias("IEDTC"),
        )
    )
    return context.finish(
        frame, prefix="IE", dtc="IEDTC", dy="IEDY", order=["IETESTCD"], visit=True
    )
