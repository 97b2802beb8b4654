# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_ae_coding_seriousness_and_timing(sdtm: dict[str, pl.DataFrame]) -> None:
    ae = sdtm["AE"]
    assert rows(ae, "AESPID", "AETERM", "AELLT", "AELLTCD", "AEDECOD", "AESOC", "AETOXGR", "AESER", "AESHOSP", "AESDTH") == [
        ("FE16", "chest infection", "Lung infection", 10061229, "Lung infection", "Infections and infestations", "3", "Y", "Y", "N"),
    ]  # fmt: skip
    assert rows(ae, "AEREL", "AEACN", "AEOUT", "AESTDTC", "AESTDY", "AEENRTPT", "EPOCH") == [
        ("UNLIKELY RELATED", "DOSE NOT CHANGED", "RECOVERING/RESOLVING", "2026-03-10", 9, "ONGOING", "TREATMENT"),
    ]  # fmt: skip
