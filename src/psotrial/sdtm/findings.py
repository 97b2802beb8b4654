"""Shared steps of the findings domains (LB, VS, RS, QS, FA): from one row per entry to
one row per test, then the timing variables, --SEQ and the baseline flag.

Every record keeps ``--SPID`` = ``FE<form_entry.id>`` of its source entry; --DTC is the
visit's actual date (forms are dated by their visit), VISITNUM/VISIT come from TV by the
entry's visit code and EPOCH from SE.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from psotrial.sdtm.baseline import derive_var_lobxfl
from psotrial.sdtm.context import SdtmContext
from psotrial.sdtm.dates import format_dtc

__all__ = ["ENTRY_COLUMNS", "Test", "finish_findings", "unpivot_tests"]

ENTRY_COLUMNS = (
    "participant_id",
    "entry_id",
    "USUBJID",
    "STUDYID",
    "RFSTDTC",
    "RFXSTDTC",
    "spid",
    "visit_code",
    "visit_date",
)

# (source column, TESTCD, TEST)
Test = tuple[str, str, str]


def unpivot_tests(entries: pl.DataFrame, tests: Sequence[Test]) -> pl.DataFrame:
    """One row per entry and test: the entry columns, TESTCD, TEST, ``__order`` and
    ``result`` (the source column's text; rows whose source is null are dropped)."""
    frames = [
        entries.select(
            *ENTRY_COLUMNS,
            pl.lit(code).alias("TESTCD"),
            pl.lit(name).alias("TEST"),
            pl.lit(order).alias("__order"),
            pl.col(column).cast(pl.String).alias("result"),
        ).filter(pl.col("result").is_not_null())
        for order, (column, code, name) in enumerate(tests)
    ]
    return pl.concat(frames, how="vertical_relaxed") if frames else entries.clear()


def finish_findings(
    context: SdtmContext,
    frame: pl.DataFrame,
    *,
    prefix: str,
    by_vars: Sequence[str] = (),
    baseline: bool = True,
) -> pl.DataFrame:
    """Rename the generic columns to the domain's, then add timing, --SEQ and --LOBXFL.

    ``frame`` has the entry columns, TESTCD, TEST, ``__order`` and any of ORRES, ORRESU,
    STRESC, STRESN, STRESU (named without the prefix). ``by_vars`` are extra domain
    variables that identify a test besides --TESTCD (e.g. ``["RSCAT"]``, ``["FALOC"]``).
    """
    generic = ("TESTCD", "TEST", "ORRES", "ORRESU", "STRESC", "STRESN", "STRESU", "DRVFL", "CAT")
    renames = {name: f"{prefix}{name}" for name in generic if name in frame.columns}
    dtc = f"{prefix}DTC"
    named = frame.rename(renames).with_columns(pl.col("spid").alias(f"{prefix}SPID"))
    # The timing variables depend on the entry columns alone (an entry's records share
    # its subject, visit and date): derived once per entry, then put beside each record
    # (a domain has ~15 records per entry).
    keys = ["entry_id", "USUBJID", "RFSTDTC", "visit_code"]
    per_entry = named.select(*keys, format_dtc(pl.col("visit_date")).alias(dtc)).unique(
        subset="entry_id", keep="first"
    )
    timed = context.timing(per_entry, dtc=dtc, dy=f"{prefix}DY", visit=True).drop(keys[1:])
    found = named.select("entry_id").join(timed, on="entry_id", how="left", maintain_order="left")
    added = [found.get_column(dtc), pl.repeat(prefix, named.height, eager=True).alias("DOMAIN")]
    added += found.drop("entry_id", dtc).get_columns()
    finished = context.sequence(
        named.hstack(added), prefix=prefix, order=["VISITNUM", "entry_id", "__order"]
    )
    if baseline:
        finished = derive_var_lobxfl(
            finished,
            by_vars=["participant_id", *by_vars, f"{prefix}TESTCD"],
            dtc=dtc,
            result=f"{prefix}STRESC",
            new_var=f"{prefix}LOBXFL",
        )
    return finished.drop("__order")
