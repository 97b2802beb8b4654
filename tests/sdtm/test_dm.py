# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_dm_one_record_per_participant_with_reference_dates(
    sdtm: dict[str, pl.DataFrame],
) -> None:
    dm = sdtm["DM"]
    assert rows(dm, "USUBJID", "SUBJID", "RFICDTC", "RFSTDTC", "RFXSTDTC", "RFXENDTC", "RFENDTC") == [
        ("NCT03745417-GZ01-001", "GZ01-001", "2026-02-20", "2026-03-02", "2026-03-02T09:30",
         "2026-03-16T10:00", "2026-06-22"),
        ("NCT03745417-GZ01-S002", "GZ01-S002", "2026-02-24", None, None, None, None),
    ]  # fmt: skip


def test_build_dm_age_sex_arm_and_no_birth_date(sdtm: dict[str, pl.DataFrame]) -> None:
    dm = sdtm["DM"]
    assert rows(dm, "AGE", "AGEU", "SEX", "ARMCD", "ACTARMCD", "ARMNRS", "COUNTRY", "DMDY") == [
        (44, "YEARS", "F", "UCMSC", "UCMSC", None, "CHN", -7),
        (36, "YEARS", "M", None, None, "SCREEN FAILURE", "CHN", None),
    ]
    assert "BRTHDTC" not in dm.columns
    assert not any(dm[c].cast(pl.String).str.contains("1981").any() for c in dm.columns)


def test_build_dm_keeps_collected_ethnic_group_in_suppdm(sdtm: dict[str, pl.DataFrame]) -> None:
    assert rows(sdtm["SUPPDM"], "USUBJID", "IDVAR", "QNAM", "QVAL") == [
        ("NCT03745417-GZ01-001", None, "CETHNIC", "HAN")
    ]
