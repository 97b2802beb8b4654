# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_se_elements_and_study_days(sdtm: dict[str, pl.DataFrame]) -> None:
    assert rows(sdtm["SE"], "USUBJID", "SESEQ", "ETCD", "EPOCH", "SESTDTC", "SEENDTC", "SESTDY", "SEENDY") == [
        ("NCT03745417-GZ01-001", 1, "SCRN", "SCREENING", "2026-02-20", "2026-03-01", -10, -1),
        ("NCT03745417-GZ01-001", 2, "UCMSC", "TREATMENT", "2026-03-02", "2026-05-25", 1, 85),
        ("NCT03745417-GZ01-001", 3, "FU", "FOLLOW-UP", "2026-05-26", None, 86, None),
        ("NCT03745417-GZ01-S002", 1, "SCRN", "SCREENING", "2026-02-24", "2026-02-24", None, None),
    ]  # fmt: skip
