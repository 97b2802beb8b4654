"""MH (Medical History): psoriasis history and the pre-specified conditions of screening.

* ``psoriasis_history.type``: the psoriasis diagnosis itself (MHCAT ``PSORIASIS HISTORY``),
  MHTERM the clinical type's label, MHSTDTC the diagnosis date, ongoing at screening; the
  "lesions exclusively on the face" answer goes to SUPPMH.FACEONLY on this record;
* yes/no items of ``psoriasis_history`` (acute progressive, erythroderma tendency,
  arthritis) and ``medical_history`` (MHCAT ``GENERAL MEDICAL HISTORY``): one pre-specified
  record each (MHPRESP ``Y``), MHOCCUR ``Y``/``N`` from the answer, MHTERM the item label.

MHDECOD stays null: no MedDRA coding of medical history in this trial.
"""

from __future__ import annotations

import polars as pl

from psotrial.protocol import Protocol
from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.dates import format_dtc
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.text import choice_labels, to_ascii
from psotrial.sdtm.variables import domain, dtc, dy, epoch, seq, spid, studyid, text, usubjid

__all__ = ["MH_SPEC", "build_mh"]

_HISTORY = "psoriasis_history"
_GENERAL = "medical_history"
_HISTORY_CAT = "PSORIASIS HISTORY"
_GENERAL_CAT = "GENERAL MEDICAL HISTORY"
_NOT_CONDITIONS = ("face_only",)

MH_SPEC = DatasetSpec(
    "MH",
    "Medical History",
    "Events",
    "One record per medical history event per subject",
    ("STUDYID", "USUBJID", "MHSEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("MH"),
        spid("MH"),
        text(
            "MHTERM",
            "Reported Term for the Medical History",
            200,
            "Req",
            source="psoriasis_history.type; medical_history.*",
        ),
        text("MHCAT", "Category for Medical History", 40, "Perm", origin="Assigned"),
        text(
            "MHPRESP",
            "Medical History Event Pre-Specified",
            1,
            "Perm",
            codelist="NY",
            origin="Assigned",
        ),
        text(
            "MHOCCUR",
            "Medical History Occurrence",
            1,
            "Perm",
            codelist="NY",
            source="medical_history.*",
        ),
        epoch(),
        dtc("MHDTC", "Date/Time of History Collection", "Perm", source="visit.actual_date"),
        dy("MHDY", "Study Day of History Collection", "MHDTC"),
        dtc(
            "MHSTDTC",
            "Start Date/Time of Medical History Event",
            "Perm",
            source="psoriasis_history.diagnosis_date",
        ),
        text(
            "MHENRTPT",
            "End Relative to Reference Time Point",
            10,
            "Perm",
            codelist="STENRF",
            origin="Derived",
        ),
        text("MHENTPT", "End Reference Time Point", 40, "Perm", origin="Assigned"),
    ),
)


def _yes_no_items(protocol: Protocol, form: str) -> list[tuple[str, str]]:
    return [
        (item.name, to_ascii(item.label))
        for item in protocol.form(form).items
        if item.type == "boolean" and item.name not in _NOT_CONDITIONS
    ]


def build_mh(context: SdtmContext) -> pl.DataFrame:
    """MH: the psoriasis diagnosis and the pre-specified conditions."""
    protocol = context.protocol
    frames = []
    history_items = _yes_no_items(protocol, _HISTORY)
    history = context.entries(
        _HISTORY, ["type", "diagnosis_date", *[name for name, _ in history_items]]
    )
    types = {
        code: to_ascii(label) for code, label in choice_labels(protocol, _HISTORY, "type").items()
    }
    frames.append(
        history.filter(pl.col("type").is_not_null()).select(
            *_common(),
            pl.col("type").replace_strict(types, default=pl.col("type")).alias("MHTERM"),
            pl.lit(_HISTORY_CAT).alias("MHCAT"),
            pl.lit(None, dtype=pl.String).alias("MHPRESP"),
            pl.lit(None, dtype=pl.String).alias("MHOCCUR"),
            pl.col("diagnosis_date").alias("MHSTDTC"),
            pl.lit("ONGOING").alias("MHENRTPT"),
            pl.lit("SCREENING").alias("MHENTPT"),
            pl.lit(0).alias("__order"),
        )
    )
    general_items = _yes_no_items(protocol, _GENERAL)
    general = context.entries(_GENERAL, [name for name, _ in general_items])
    for source, items, category in (
        (history, history_items, _HISTORY_CAT),
        (general, general_items, _GENERAL_CAT),
    ):
        for order, (name, label) in enumerate(items, start=1):
            frames.append(
                source.filter(pl.col(name).is_not_null()).select(
                    *_common(),
                    pl.lit(label).alias("MHTERM"),
                    pl.lit(category).alias("MHCAT"),
                    pl.lit("Y").alias("MHPRESP"),
                    pl.when(pl.col(name) == "true")
                    .then(pl.lit("Y"))
                    .otherwise(pl.lit("N"))
                    .alias("MHOCCUR"),
                    pl.lit(None, dtype=pl.String).alias("MHSTDTC"),
                    pl.lit(None, dtype=pl.String).alias("MHENRTPT"),
                    pl.lit(None, dtype=pl.String).alias("MHENTPT"),
                    pl.lit(order).alias("__order"),
                )
            )
    frame = pl.concat(frames, how="vertical_relaxed")
    return context.finish(frame, prefix="MH", dtc="MHDTC", dy="MHDY", order=["MHSPID", "__order"])


def _common() -> list[pl.Expr]:
    return [
        pl.col("USUBJID"),
        pl.col("STUDYID"),
        pl.col("RFSTDTC"),
        pl.col("spid").alias("MHSPID"),
        format_dtc(pl.col("visit_date")).alias("MHDTC"),
    ]
