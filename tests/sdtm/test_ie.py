# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_ie_only_criteria_not_met_matching_ti(sdtm: dict[str, pl.DataFrame]) -> None:
    ie = sdtm["IE"]
    assert rows(ie, "USUBJID", "IESEQ", "IETESTCD", "IECAT", "IEORRES", "IESTRESC", "VISITNUM", "IEDTC") == [
        ("NCT03745417-GZ01-S002", 1, "EXCL04", "EXCLUSION", "Y", "Y", 1.0, "2026-02-24"),
        ("NCT03745417-GZ01-S002", 2, "INCL01", "INCLUSION", "N", "N", 1.0, "2026-02-24"),
    ]  # fmt: skip
    ti = sdtm["TI"].select("IETESTCD", "IETEST", "IECAT")
    assert ie.join(ti, on=["IETESTCD", "IETEST", "IECAT"], how="anti").is_empty()
