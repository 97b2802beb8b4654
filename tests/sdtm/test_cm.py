# ruff: noqa: E501  (literal expected tables read best one record per line)
from __future__ import annotations

import polars as pl


def rows(frame: pl.DataFrame, *columns: str) -> list[tuple[object, ...]]:
    return frame.select(columns).rows()


def test_build_cm_prior_therapy_classes_and_concomitant_medication(
    sdtm: dict[str, pl.DataFrame],
) -> None:
    assert rows(sdtm["CM"], "CMSEQ", "CMTRT", "CMCAT", "CMOCCUR", "CMROUTE", "CMSTDTC", "CMENDTC", "CMENRTPT", "EPOCH", "CMSTDY") == [
        (1, "Loratadine", "CONCOMITANT MEDICATION", None, "ORAL", "2026-03-05", None, "ONGOING", "TREATMENT", 4),
        (2, "TOPICAL CORTICOSTEROID, RETINOID OR VITAMIN D ANALOGUE", "PRIOR PSORIASIS THERAPY", "Y", None, None, "2026-01-10", None, None, None),
        (3, "SYSTEMIC THERAPY FOR PSORIASIS", "PRIOR PSORIASIS THERAPY", "N", None, None, None, None, None, None),
    ]  # fmt: skip
