from __future__ import annotations

from decimal import Decimal

import polars as pl

from psotrial.instruments import compute_pasi
from psotrial.protocol.answers import nest_answers
from psotrial.sdtm.rs import PASI_TESTS


def test_pasi_tests_are_the_29_feldman_codes_in_ct_order() -> None:
    codes = [code for code, _ in PASI_TESTS.values()]
    assert codes == [f"PASI02{n:02d}" for n in range(1, 30)]
    assert PASI_TESTS["head.erythema"] == ("PASI0201", "PASI02-Head: Erythema/Redness")
    assert PASI_TESTS["lower_limbs.weighted"] == ("PASI0228", "PASI02-Low Extrem: Sum X Area X 0.4")
    assert PASI_TESTS["total"] == ("PASI0229", "PASI02-Total Sum")


def _screening(sdtm: dict[str, pl.DataFrame]) -> dict[str, tuple[str, str | None, str, str | None]]:
    rs = sdtm["RS"].filter(pl.col("RSSPID") == "FE3")
    return {
        t: (o, u, s, d)
        for t, o, u, s, d in rs.select(
            "RSTESTCD", "RSORRES", "RSORRESU", "RSSTRESC", "RSDRVFL"
        ).rows()
    }


def test_build_rs_components_and_total_of_one_pasi_entry(
    sdtm: dict[str, pl.DataFrame], pasi_scr: dict[str, object]
) -> None:
    records = _screening(sdtm)
    assert len(records) == 29
    assert records["PASI0201"] == ("2", None, "2", None)  # head erythema as collected
    assert records["PASI0204"] == ("15", "%", "2", None)  # 15% of the head -> area score 2
    assert records["PASI0216"] == ("9.99", "%", "1", None)  # 9.99% < 10% -> area score 1
    assert records["PASI0217"] == ("5", None, "5", "Y")  # head: 2 + 1 + 2
    assert records["PASI0218"] == ("10", None, "10", "Y")  # x area 2
    assert records["PASI0219"] == ("1.0", None, "1.0", "Y")  # x 0.1
    expected = compute_pasi(nest_answers({k: Decimal(str(v)) for k, v in pasi_scr.items()})).pasi
    assert records["PASI0229"][2] == str(expected) == "11.8"


def test_build_rs_flags_baseline_and_skips_drafts(sdtm: dict[str, pl.DataFrame]) -> None:
    total = sdtm["RS"].filter(pl.col("RSTESTCD") == "PASI0229")
    assert total.select(
        "RSSPID", "VISIT", "RSSTRESN", "RSLOBXFL", "RSDY", "EPOCH", "RSCAT"
    ).rows() == [
        ("FE3", "SCREENING", 11.8, None, -7, "SCREENING", "PASI FELDMAN"),
        ("FE4", "WEEK 0", 10.8, "Y", 1, "TREATMENT", "PASI FELDMAN"),
    ]  # the W2 entry is a draft and is not submitted
