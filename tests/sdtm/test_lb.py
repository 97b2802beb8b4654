# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl
import pytest

from psotrial.sdtm.lb import compute_nrind


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [("2.10", "2.11", "2.52", "LOW"), ("2.11", "2.11", "2.52", "NORMAL"), ("2.52", "2.11", "2.52", "NORMAL"),
     ("2.5200001", "2.11", "2.52", "HIGH"), ("5", None, "4", "HIGH"), ("5", None, None, None), (None, "1", "2", None)],
)  # fmt: skip
def test_compute_nrind_exact_boundaries(
    value: str | None, low: str | None, high: str | None, expected: str | None
) -> None:
    assert compute_nrind(value, low, high) == expected


def test_build_lb_results_ranges_and_baseline(sdtm: dict[str, pl.DataFrame]) -> None:
    assert rows(sdtm["LB"], "LBTESTCD", "LBTEST", "LBORRES", "LBORRESU", "LBSTNRHI", "LBNRIND", "LBLOBXFL", "VISIT") == [
        ("ALT", "Alanine Aminotransferase", "88", "U/L", 40.0, "HIGH", "Y", "SCREENING"),
        ("ALT", "Alanine Aminotransferase", "30", "U/L", 40.0, "NORMAL", None, "WEEK 4"),
        ("CA", "Calcium", "2.10", "mmol/L", 2.52, "LOW", "Y", "SCREENING"),
    ]  # fmt: skip
