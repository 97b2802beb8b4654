# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_fa_bsa_by_region_and_total(sdtm: dict[str, pl.DataFrame]) -> None:
    assert rows(sdtm["FA"], "FATESTCD", "FAOBJ", "FALOC", "FAORRES", "FASTRESN", "FADRVFL", "FAMETHOD") == [
        ("BSAAFCTP", "PSORIASIS", "HEAD AND NECK", "1.5", 1.5, None, "PALM METHOD"),
        ("BSAAFCTP", "PSORIASIS", "LIMB, LOWER", "22", 22.0, None, "PALM METHOD"),
        ("BSAAFCTP", "PSORIASIS", "LIMB, UPPER", "7", 7.0, None, "PALM METHOD"),
        ("BSAAFCTP", "PSORIASIS", "SKIN", "36.5", 36.5, "Y", "PALM METHOD"),
        ("BSAAFCTP", "PSORIASIS", "TRUNK", "6", 6.0, None, "PALM METHOD"),
    ]  # fmt: skip
