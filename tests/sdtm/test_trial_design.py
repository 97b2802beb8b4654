# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl

from psotrial.sdtm.trial_design import compute_ietestcd


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_ta_te_one_arm_three_elements(sdtm: dict[str, pl.DataFrame]) -> None:
    assert rows(sdtm["TA"], "ARMCD", "TAETORD", "ETCD", "EPOCH") == [
        ("UCMSC", 1, "SCRN", "SCREENING"), ("UCMSC", 2, "UCMSC", "TREATMENT"), ("UCMSC", 3, "FU", "FOLLOW-UP"),
    ]  # fmt: skip
    assert sdtm["TE"]["ETCD"].to_list() == ["FU", "SCRN", "UCMSC"]


def test_build_tv_visit_numbers_days_and_windows(sdtm: dict[str, pl.DataFrame]) -> None:
    tv = sdtm["TV"]
    assert tv["VISIT"].to_list()[:3] == ["SCREENING", "WEEK 0", "WEEK 2"]
    assert tv["VISITDY"].to_list() == [-1, 1, 15, 29, 43, 57, 85, 113, 141, 169]
    assert (
        tv.filter(pl.col("VISIT") == "WEEK 12")["TVSTRL"]
        .item()
        .endswith("window 82 to 88 (-3/+3 days)")
    )


def test_build_ti_every_criterion_ascii_and_at_most_200_characters(
    sdtm: dict[str, pl.DataFrame],
) -> None:
    ti = sdtm["TI"]
    assert ti.height == 13
    assert ti["IETEST"].str.len_bytes().max() <= 200  # type: ignore[operator]
    assert all(text.isascii() for text in ti["IETEST"])
    assert ti.filter(pl.col("IETESTCD") == "EXCL05")["IETEST"].item().endswith("...")


def test_compute_ietestcd() -> None:
    assert [compute_ietestcd(c) for c in ("IN01", "EX10")] == ["INCL01", "EXCL10"]
