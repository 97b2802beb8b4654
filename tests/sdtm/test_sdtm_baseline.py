from __future__ import annotations

import polars as pl

from psotrial.sdtm.baseline import derive_var_lobxfl
from psotrial.sdtm.sequence import derive_var_seq


def test_derive_var_lobxfl_flags_last_non_missing_on_or_before_first_dose() -> None:
    frame = pl.DataFrame({
        "USUBJID": ["A", "A", "A", "A", "B", "B"],
        "VSTESTCD": ["WEIGHT", "WEIGHT", "WEIGHT", "SYSBP", "WEIGHT", "WEIGHT"],
        "VISITNUM": [1.0, 2.0, 3.0, 2.0, 1.0, 2.0],
        "VSDTC": ["2026-02-20", "2026-03-02", "2026-03-16", "2026-03-02", "2026-02-20", "2026-03"],
        "VSSTRESC": ["60", None, "62", "120", "70", "71"],
        "RFXSTDTC": ["2026-03-02T09:30"] * 4 + [None, None],
    })  # fmt: skip
    flagged = derive_var_lobxfl(
        frame, by_vars=["USUBJID", "VSTESTCD"], dtc="VSDTC", result="VSSTRESC", new_var="VSLOBXFL"
    )
    # A/WEIGHT: the Day 1 value is missing, so the screening value is baseline; B never dosed.
    assert flagged["VSLOBXFL"].to_list() == ["Y", None, None, "Y", None, None]


def test_derive_var_seq_numbers_within_subject_in_order() -> None:
    frame = pl.DataFrame({"USUBJID": ["B", "A", "A", "B"], "XXDTC": ["2", "3", "1", None]})
    numbered = derive_var_seq(frame, order=["XXDTC"], new_var="XXSEQ")
    assert numbered.rows() == [("B", "2", 1), ("A", "3", 2), ("A", "1", 1), ("B", None, 2)]
