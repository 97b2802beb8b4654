from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_sv_visits_numbered_from_tv_with_epoch(sdtm: dict[str, pl.DataFrame]) -> None:
    sv = sdtm["SV"].filter(pl.col("USUBJID") == "NCT03745417-GZ01-001")
    assert rows(sv, "VISITNUM", "VISIT", "VISITDY", "EPOCH", "SVSTDTC", "SVSTDY", "SVOCCUR") == [
        (1.0, "SCREENING", -1, "SCREENING", "2026-02-23", -7, "Y"),
        (2.0, "WEEK 0", 1, "TREATMENT", "2026-03-02", 1, "Y"),
        (3.0, "WEEK 2", 15, "TREATMENT", "2026-03-16", 15, "Y"),
        (4.0, "WEEK 4", 29, "TREATMENT", "2026-03-30", 29, "Y"),
        (7.0, "WEEK 12", 85, "TREATMENT", "2026-05-25", 85, "Y"),
        (8.0, "WEEK 16", 113, "FOLLOW-UP", "2026-06-22", 113, "Y"),
    ]  # fmt: skip
