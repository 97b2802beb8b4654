# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_vs_tests_units_and_baseline(sdtm: dict[str, pl.DataFrame]) -> None:
    assert rows(sdtm["VS"], "VSTESTCD", "VSORRES", "VSORRESU", "VSSTRESN", "VSLOBXFL", "VISITNUM") == [
        ("HEIGHT", "162", "cm", 162.0, "Y", 1.0),
        ("SYSBP", "122", "mmHg", 122.0, "Y", 1.0),
        ("WEIGHT", "61.5", "kg", 61.5, None, 1.0),
        ("WEIGHT", "61.0", "kg", 61.0, "Y", 2.0),
        ("WEIGHT", "60.0", "kg", 60.0, None, 3.0),
    ]  # fmt: skip
