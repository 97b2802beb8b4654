# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_ds_consent_milestones_and_screen_failure(sdtm: dict[str, pl.DataFrame]) -> None:
    assert rows(sdtm["DS"], "USUBJID", "DSSEQ", "DSSPID", "DSTERM", "DSDECOD", "DSCAT", "EPOCH", "DSSTDTC") == [
        ("NCT03745417-GZ01-001", 1, "FE1", "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED",
         "PROTOCOL MILESTONE", "SCREENING", "2026-02-20"),
        ("NCT03745417-GZ01-S002", 1, "FE22", "INFORMED CONSENT OBTAINED", "INFORMED CONSENT OBTAINED",
         "PROTOCOL MILESTONE", "SCREENING", "2026-02-24"),
        ("NCT03745417-GZ01-S002", 2, None, "not met: IN01", "SCREEN FAILURE", "DISPOSITION EVENT",
         "SCREENING", "2026-02-24"),
    ]  # fmt: skip
