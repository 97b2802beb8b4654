from __future__ import annotations

import polars as pl


def _qs(sdtm: dict[str, pl.DataFrame], category: str) -> dict[str, tuple[str, str, str | None]]:
    qs = sdtm["QS"].filter(pl.col("QSCAT") == category)
    return {
        t: (o, s, d)
        for t, o, s, d in qs.select("QSTESTCD", "QSORRES", "QSSTRESC", "QSDRVFL").rows()
    }


def test_build_qs_dlqi_items_labels_scores_and_totals(sdtm: dict[str, pl.DataFrame]) -> None:
    dlqi = _qs(sdtm, "DLQI")
    assert dlqi["DLQI101"] == ("Very much", "3", None)
    assert dlqi["DLQI103"] == ("Not relevant", "0", None)
    assert dlqi["DLQI107"] == ("No", "0", None)
    assert dlqi["DLQI107A"] == ("A lot", "2", None)
    assert dlqi["DLQI111"] == ("12", "12", "Y")
    assert dlqi["DLQI112"] == ("5", "5", "Y")
    assert len(dlqi) == 11 + 7


def test_build_qs_zung_reverse_items_and_standard_score(sdtm: dict[str, pl.DataFrame]) -> None:
    sas = _qs(sdtm, "ZUNG SAS")
    assert sas["ZSAS0101"] == ("None or a little of the time", "1", None)
    assert sas["ZSAS0105"] == ("None or a little of the time", "4", None)  # reverse-scored item
    assert sas["ZSAS01RS"] == ("35", "35", "Y")
    assert sas["ZSAS01SS"] == ("43.75", "43.75", "Y")


def test_build_qs_itch_vas_sponsor_defined(sdtm: dict[str, pl.DataFrame]) -> None:
    itch = sdtm["QS"].filter(pl.col("QSCAT") == "PRURITUS VAS")
    assert itch.select(
        "QSTESTCD", "QSORRES", "QSORRESU", "QSSTRESN", "QSEVINTX", "QSLOBXFL"
    ).rows() == [("PRUVAS01", "62", "mm", 62.0, "PAST 24 HOURS", "Y")]
