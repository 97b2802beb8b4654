# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_mh_diagnosis_and_prespecified_conditions(sdtm: dict[str, pl.DataFrame]) -> None:
    assert rows(sdtm["MH"], "MHSEQ", "MHTERM", "MHCAT", "MHPRESP", "MHOCCUR", "MHSTDTC", "MHENRTPT") == [
        (1, "Psoriasis vulgaris (plaque)", "PSORIASIS HISTORY", None, None, "2012-04", "ONGOING"),
        (2, "Psoriatic arthritis", "PSORIASIS HISTORY", "Y", "Y", None, None),
        (3, "Malignant disease or tumour", "GENERAL MEDICAL HISTORY", "Y", "N", None, None),
        (4, "Any allergy ever", "GENERAL MEDICAL HISTORY", "Y", "N", None, None),
    ]  # fmt: skip
    assert rows(sdtm["SUPPMH"], "IDVAR", "IDVARVAL", "QNAM", "QVAL") == [
        ("MHSEQ", "1", "FACEONLY", "N")
    ]
