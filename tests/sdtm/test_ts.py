from __future__ import annotations

import polars as pl


def _value(ts: pl.DataFrame, code: str) -> list[tuple[str, str | None]]:
    return ts.filter(pl.col("TSPARMCD") == code).select("TSVAL", "TSVALCD").rows()


def test_build_ts_registry_id_phase_and_dose(sdtm: dict[str, pl.DataFrame]) -> None:
    ts = sdtm["TS"]
    assert _value(ts, "REGID") == [("NCT03745417", "NCT03745417")]
    assert _value(ts, "TPHASE") == [("PHASE I/II TRIAL", "C15693")]
    assert _value(ts, "DOSE") == [("2", None)]
    assert _value(ts, "DOSU") == [("10^6/kg", "C198380")]
    assert _value(ts, "DOSFRQ") == [("EVERY 2 WEEKS", "C71127")]
    assert _value(ts, "AGEMIN") == [("P18Y", None)]
    assert _value(ts, "AGEMAX") == [("P65Y", None)]
    assert _value(ts, "ACTSUB") == [("1", None)]
    assert _value(ts, "SSTDTC") == [("2026-02-20", None)]
    assert _value(ts, "DCUTDTC") == [("2026-06-30", None)]
    assert ts.filter(pl.col("TSPARMCD") == "TTYPE")["TSSEQ"].to_list() == [1, 2]


def test_build_ts_coded_values_name_the_ct_version(sdtm: dict[str, pl.DataFrame]) -> None:
    coded = sdtm["TS"].filter(pl.col("TSVCDREF") == "CDISC CT")
    assert coded.height > 10
    assert set(coded["TSVCDVER"]) == {"2025-03-28"}
    assert coded["TSVALCD"].null_count() == 0
