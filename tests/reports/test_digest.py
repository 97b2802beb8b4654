"""The ADaM fingerprint: canonical (row order does not matter), sensitive to any value."""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl

from psotrial.reports.digest import canonical_adam, compute_adam_digest

ADSL = pl.DataFrame(
    {
        "USUBJID": ["S-2", "S-1"],
        "AGE": [40, None],
        "PASIBL": [17.0, 0.1],
        "TRTSDT": [date(2026, 1, 26), None],
        "SEX": ["F", ""],
    }
)


def test_canonical_serialisation_literal() -> None:
    text = canonical_adam({"ADSL": ADSL}).decode("utf-8")
    assert text == (
        "psotrial-adam-digest v1\n"
        "## ADSL\n"
        '"USUBJID","AGE","PASIBL","TRTSDT","SEX"\n'
        '"S-1",\\N,"0.1",\\N,""\n'
        '"S-2","40","17.0","2026-01-26","F"\n'
    )
    assert compute_adam_digest({"ADSL": ADSL}) == hashlib.sha256(text.encode()).hexdigest()


def test_digest_ignores_row_order_and_dataset_order() -> None:
    other = pl.DataFrame({"USUBJID": ["S-1"], "AVAL": [1.5]})
    assert compute_adam_digest({"ADSL": ADSL, "ADX": other}) == compute_adam_digest(
        {"ADX": other, "ADSL": ADSL.reverse()}
    )


def test_digest_changes_with_any_value_null_or_empty() -> None:
    base = compute_adam_digest({"ADSL": ADSL})
    changed = [
        ADSL.with_columns(pl.col("PASIBL").replace(0.1, 0.2)),
        ADSL.with_columns(pl.col("SEX").replace("", None)),  # empty text is not missing
        ADSL.rename({"SEX": "SEXX"}),
    ]
    digests = {compute_adam_digest({"ADSL": frame}) for frame in changed}
    assert base not in digests
    assert len(digests) == 3
    assert compute_adam_digest({"ADSL2": ADSL}) != base
