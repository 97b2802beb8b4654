# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl
import pytest

from psotrial.sdtm.ex import compute_exdose
from psotrial.sdtm.infusions import compute_local_dtc


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


@pytest.mark.parametrize(
    ("cells", "weight", "dose"),
    [
        ("123000000", "61.5", 2.0),
        ("105000000", "60", 1.75),
        ("100000000", "30", 3.333),
        ("1", "0", None),
    ],
)
def test_compute_exdose_in_million_cells_per_kg(
    cells: str, weight: str, dose: float | None
) -> None:
    assert compute_exdose(cells, weight) == dose


def test_compute_local_dtc_converts_to_the_site_day() -> None:
    assert compute_local_dtc("2026-03-02T20:30:00Z", "Asia/Shanghai") == "2026-03-03T04:30"
    assert compute_local_dtc("2026-03-02T10:00:00", "Asia/Shanghai") == "2026-03-02T10:00"


def test_build_ex_one_record_per_infusion(sdtm: dict[str, pl.DataFrame]) -> None:
    assert rows(sdtm["EX"], "EXSEQ", "EXSPID", "EXTRT", "EXDOSE", "EXDOSU", "EXROUTE", "EXSTDTC", "EXSTDY", "EXADJ", "VISIT", "EPOCH") == [
        (1, "FE5", "UMBILICAL CORD MESENCHYMAL STEM CELLS", 2.0, "10^6/kg", "INTRAVENOUS", "2026-03-02T09:30", 1, None, "WEEK 0", "TREATMENT"),
        (2, "FE6", "UMBILICAL CORD MESENCHYMAL STEM CELLS", 1.75, "10^6/kg", "INTRAVENOUS", "2026-03-16T10:00", 15, "INFUSION NOT COMPLETED AS PLANNED", "WEEK 2", "TREATMENT"),
    ]  # fmt: skip


def test_build_ex_supplemental_cells_weight_and_reaction(sdtm: dict[str, pl.DataFrame]) -> None:
    supp = sdtm["SUPPEX"].filter(pl.col("IDVARVAL") == "2")
    assert dict(supp.select("QNAM", "QVAL").rows()) == {
        "ACTCELL": "105000000", "DOSEWT": "60", "INFREACT": "Y", "PLANCELL": "120000000",
    }  # fmt: skip
