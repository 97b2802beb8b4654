"""QS (Questionnaires): DLQI, pruritus VAS and the Zung SAS/SDS (cdisc.md sections 1.3, 1.4).

* DLQI (QSCAT ``DLQI``, CT DLQI1TC/DLQI1TN): items 1-10 with item 7 as DLQI107 (7a, Yes 3,
  No 0, Not relevant 0) and DLQI107A (7b); QSORRES the answer's label as on the form,
  QSSTRESN its score (Very much 3 ... Not at all 0, Not relevant 0). DLQI111 (total) and
  DLQI112-117 (subscales) are the scores stored with the entry (computed at capture by
  :func:`psotrial.instruments.compute_dlqi`: one missing item scores 0, two or more leave the
  total missing, and then no DLQI111 record is written), QSDRVFL ``Y``.
* Pruritus VAS: sponsor-defined QSCAT ``PRURITUS VAS``, QSTESTCD ``PRUVAS01``, mm, over the
  past 24 hours (QSEVINTX ``PAST 24 HOURS``).
* Zung SAS/SDS: sponsor-defined QSCAT ``ZUNG SAS``/``ZUNG SDS``, items ``ZSAS0101``-``0120``
  (``ZSDS01xx``) with QSORRES the ticked option's label and QSSTRESN the item's score
  (5 - answer for the reverse-scored items of :data:`psotrial.instruments.REVERSE_ITEMS`),
  the raw score ``ZSAS01RS`` and the standard score ``ZSAS01SS`` = raw x 1.25, exact (the
  index the protocol's "> 50"/"> 53" compares), QSDRVFL ``Y``.
"""

from __future__ import annotations

import polars as pl

from psotrial.instruments import REVERSE_ITEMS
from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.findings import ENTRY_COLUMNS, Test, finish_findings, unpivot_tests
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.sdtm.text import choice_labels, to_ascii
from psotrial.sdtm.variables import (
    domain,
    dtc,
    dy,
    epoch,
    lobxfl,
    seq,
    spid,
    studyid,
    text,
    usubjid,
    visit_vars,
)

__all__ = ["DLQI_ITEMS", "DLQI_SCORES", "QS_SPEC", "build_qs"]

DLQI_ITEMS: tuple[Test, ...] = (
    ("q1", "DLQI101", "DLQI1-How Itchy, Sore, Painful, Stinging"),
    ("q2", "DLQI102", "DLQI1-How Embarrassed, Self Conscious"),
    ("q3", "DLQI103", "DLQI1-Interfered Shopping, Home, Yard"),
    ("q4", "DLQI104", "DLQI1-Influenced Clothes You Wear"),
    ("q5", "DLQI105", "DLQI1-Affected Social, Leisure Activity"),
    ("q6", "DLQI106", "DLQI1-Made It Difficult to Do Any Sports"),
    ("q7a", "DLQI107", "DLQI1-Prevented Working or Studying"),
    ("q7b", "DLQI107A", "DLQI1-Problem at Work or Studying"),
    ("q8", "DLQI108", "DLQI1-Problem Partner, Friends, Relative"),
    ("q9", "DLQI109", "DLQI1-Caused Any Sexual Difficulties"),
    ("q10", "DLQI110", "DLQI1-How Much a Problem is Treatment"),
)
DLQI_SCORES: tuple[Test, ...] = (
    ("total", "DLQI111", "DLQI1-Score"),
    ("subscales.symptoms_feelings", "DLQI112", "DLQI1-Symptoms and Feelings Subscore"),
    ("subscales.daily_activities", "DLQI113", "DLQI1-Daily Activities Subscore"),
    ("subscales.leisure", "DLQI114", "DLQI1-Leisure Subscore"),
    ("subscales.work_school", "DLQI115", "DLQI1-Work and School Subscore"),
    ("subscales.personal_relationships", "DLQI116", "DLQI1-Personal Relationships Subscore"),
    ("subscales.treatment", "DLQI117", "DLQI1-Treatment Subscore"),
)
_Q7A_SCORES = {"yes": "3", "no": "0", "not_relevant": "0"}
_ZUNG = {"zung_sas": ("SAS", "ZSAS01", "ZUNG SAS"), "zung_sds": ("SDS", "ZSDS01", "ZUNG SDS")}

QS_SPEC = DatasetSpec(
    "QS",
    "Questionnaires",
    "Findings",
    "One record per questionnaire per question per time point per visit per subject",
    ("STUDYID", "USUBJID", "QSCAT", "QSTESTCD", "VISITNUM", "QSSEQ"),
    (
        studyid(),
        domain(),
        usubjid(),
        seq("QS"),
        spid("QS"),
        text(
            "QSTESTCD",
            "Question Short Name",
            8,
            "Req",
            origin="Assigned",
            method="DLQI: CT DLQI1TC; PRURITUS VAS and ZUNG SAS/SDS: sponsor-defined",
        ),
        text(
            "QSTEST",
            "Question Name",
            40,
            "Req",
            origin="Assigned",
            method="DLQI: CT DLQI1TN; others sponsor-defined",
        ),
        text("QSCAT", "Category of Question", 20, "Req", codelist="QSCAT", origin="Assigned"),
        text(
            "QSORRES",
            "Finding in Original Units",
            40,
            "Exp",
            source="dlqi.q*; itch.vas_mm; zung_sas.q*; zung_sds.q*",
        ),
        text("QSORRESU", "Original Units", 8, "Perm", codelist="UNIT", origin="Assigned"),
        text("QSSTRESC", "Character Result/Finding in Std Format", 20, "Exp", origin="Derived"),
        text(
            "QSSTRESN",
            "Numeric Finding in Standard Units",
            8,
            "Exp",
            type="float",
            origin="Derived",
        ),
        text("QSSTRESU", "Standard Units", 8, "Perm", codelist="UNIT", origin="Assigned"),
        text("QSDRVFL", "Derived Flag", 1, "Perm", codelist="NY", origin="Derived"),
        lobxfl("QS"),
        *visit_vars(),
        epoch(),
        dtc("QSDTC", "Date/Time of Finding", "Exp", source="visit.actual_date"),
        dy("QSDY", "Study Day of Finding", "QSDTC"),
        text("QSEVINTX", "Evaluation Interval Text", 40, "Perm", origin="Assigned"),
    ),
)


def build_qs(context: SdtmContext) -> pl.DataFrame:
    """QS: DLQI, pruritus VAS and Zung SAS/SDS records."""
    frames = [*_dlqi(context), _itch(context), *(_zung(context, form) for form in _ZUNG)]
    # An empty study still has one (empty) frame, so the columns survive.
    frame = pl.concat([f for f in frames if f.height] or frames[:1], how="vertical_relaxed")
    return finish_findings(context, frame, prefix="QS", by_vars=["QSCAT"])


def _items(frame: pl.DataFrame, labels: dict[str, str], scores: pl.Expr) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("result").replace_strict(labels, default=pl.col("result")).alias("ORRES"),
        scores.alias("STRESC"),
        pl.lit(None, pl.String).alias("ORRESU"),
        pl.lit(None, pl.String).alias("STRESU"),
        pl.lit(None, pl.String).alias("DRVFL"),
    )


def _scores(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col("result").alias("ORRES"),
        pl.col("result").alias("STRESC"),
        pl.lit(None, pl.String).alias("ORRESU"),
        pl.lit(None, pl.String).alias("STRESU"),
        pl.lit("Y").alias("DRVFL"),
    )


def _finish(frame: pl.DataFrame, category: str, interval: str | None = None) -> pl.DataFrame:
    return frame.select(
        *ENTRY_COLUMNS,
        "TESTCD",
        "TEST",
        "__order",
        "ORRES",
        "ORRESU",
        "STRESC",
        pl.col("STRESC").cast(pl.Float64, strict=False).alias("STRESN"),
        "STRESU",
        "DRVFL",
        pl.lit(category).alias("CAT"),
        pl.lit(interval, pl.String).alias("QSEVINTX"),
    )


def _dlqi(context: SdtmContext) -> list[pl.DataFrame]:
    form = next(f for f in context.protocol.forms if f.instrument == "dlqi")
    entries = context.entries(form.code, [item for item, _, _ in DLQI_ITEMS])
    labels: dict[str, str] = {}
    for item, _, _ in DLQI_ITEMS:
        labels |= {
            k: to_ascii(v) for k, v in choice_labels(context.protocol, form.code, item).items()
        }
    long = unpivot_tests(entries, DLQI_ITEMS)
    score = (
        pl.when(pl.col("TESTCD") == "DLQI107")
        .then(pl.col("result").replace_strict(_Q7A_SCORES, default=None))
        .when(pl.col("result") == "not_relevant")
        .then(pl.lit("0"))
        .otherwise(pl.col("result"))
    )
    items = _finish(_items(long, labels, score), "DLQI")
    scored = context.scores(entries, [name for name, _, _ in DLQI_SCORES])
    derived_tests = [(f"score_{name}", code, label) for name, code, label in DLQI_SCORES]
    derived = unpivot_tests(scored, derived_tests).with_columns(pl.col("__order") + len(DLQI_ITEMS))
    return [items, _finish(_scores(derived), "DLQI")]


def _itch(context: SdtmContext) -> pl.DataFrame:
    form = next(f for f in context.protocol.forms if f.instrument == "itch")
    entries = context.entries(form.code, ["vas_mm"])
    long = unpivot_tests(entries, [("vas_mm", "PRUVAS01", "Pruritus VAS")])
    shaped = long.with_columns(
        pl.col("result").alias("ORRES"),
        pl.col("result").alias("STRESC"),
        pl.lit("mm").alias("ORRESU"),
        pl.lit("mm").alias("STRESU"),
        pl.lit(None, pl.String).alias("DRVFL"),
    )
    return _finish(shaped, "PRURITUS VAS", "PAST 24 HOURS")


def _zung(context: SdtmContext, code: str) -> pl.DataFrame:
    scale, prefix, category = _ZUNG[code]
    form = context.protocol.form(code)
    names = [item.name for item in form.items]
    tests: list[Test] = [
        (name, f"{prefix}{int(name[1:]):02d}", f"{prefix}-Item {int(name[1:])}") for name in names
    ]
    entries = context.entries(code, names)
    labels = {k: to_ascii(v) for k, v in choice_labels(context.protocol, code, names[0]).items()}
    reverse = [f"{prefix}{n:02d}" for n in sorted(REVERSE_ITEMS[scale])]
    answer = pl.col("result").cast(pl.Int64, strict=False)
    score = (
        pl.when(pl.col("TESTCD").is_in(reverse)).then(5 - answer).otherwise(answer).cast(pl.String)
    )
    items = _finish(_items(unpivot_tests(entries, tests), labels, score), category)
    scored = context.scores(entries, ["raw", "index"])
    derived = unpivot_tests(
        scored,
        [
            ("score_raw", f"{prefix}RS", f"{prefix}-Raw Score"),
            ("score_index", f"{prefix}SS", f"{prefix}-Standard Score"),
        ],
    ).with_columns(pl.col("__order") + len(tests))
    return pl.concat([items, _finish(_scores(derived), category)], how="vertical_relaxed")
