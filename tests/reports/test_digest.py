"""The ADaM fingerprint: canonical (row order does not matter), sensitive to any value."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date

import polars as pl
import pytest

from psotrial.reports.digest import (
    canonical_adam,
    compute_adam_digest,
    compute_adam_digest_of_parts,
)

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


def _pieces(*frames: pl.DataFrame) -> list[Callable[[], pl.DataFrame]]:
    return [lambda frame=frame: frame for frame in frames]


BDS = pl.DataFrame(
    {
        "USUBJID": ["S-1", "S-1", "S-2", "S-3", "S-3", None],
        "AVAL": [2.5, None, 1.0, 0.1, 0.1, 7.0],
        "ADT": [date(2026, 1, 2), None, None, date(2026, 3, 1), date(2026, 3, 1), None],
    }
)


@pytest.mark.parametrize(
    "cuts",
    [
        [(0, 6)],  # one piece
        [(0, 2), (2, 1), (3, 3)],  # groups of subjects in order: hashed piece by piece
        [(0, 0), (0, 2), (2, 0), (2, 4)],  # empty pieces, first and between
        [(2, 4), (0, 2)],  # out of order: hashed whole
        [(0, 3), (2, 4)],  # overlapping rows across pieces: hashed whole
    ],
)
def test_digest_of_parts_is_the_digest_of_the_whole(cuts: list[tuple[int, int]]) -> None:
    pieces = _pieces(*(BDS.slice(start, length) for start, length in cuts))
    whole = pl.concat([load() for load in pieces])
    expected = compute_adam_digest({"ADSL": ADSL, "ADBDS": whole})
    got = compute_adam_digest_of_parts({"ADSL": _pieces(ADSL), "ADBDS": pieces})
    assert got == expected


def test_digest_of_empty_parts_is_the_digest_of_the_empty_dataset() -> None:
    empty = BDS.clear()
    expected = compute_adam_digest({"ADBDS": empty})
    assert compute_adam_digest_of_parts({"ADBDS": _pieces(empty, empty)}) == expected
