"""A folder of datasets: all checked before any is written; read back by extension."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from psotrial.errors import ExportError, FieldError, NotFoundError
from psotrial.exchange.datasets import read_datasets, write_datasets
from psotrial.sdtm.metadata import DatasetSpec, Variable

SPECS = {
    "DM": DatasetSpec(
        "DM",
        "Demographics",
        "SPECIAL PURPOSE",
        "One record per subject",
        ("STUDYID", "USUBJID"),
        (
            Variable("STUDYID", "Study Identifier", "text", "Req"),
            Variable("USUBJID", "Unique Subject Identifier", "text", "Req"),
            Variable("AGE", "Age", "integer", "Exp"),
            Variable("RFSTDTC", "Subject Reference Start Date/Time", "date", "Exp"),
        ),
    ),
    "ADSL": DatasetSpec(
        "ADSL",
        "Subject-Level Analysis Dataset",
        "SUBJECT LEVEL ANALYSIS DATASET",
        "One record per subject",
        ("STUDYID", "USUBJID"),
        (
            Variable("STUDYID", "Study Identifier", "text", "Req"),
            Variable("USUBJID", "Unique Subject Identifier", "text", "Req"),
            Variable("SITEID", "Study Site Identifier", "text", "Req"),
            Variable("TRTSDT", "Date of First Exposure to Treatment", "date"),
        ),
    ),
}
FRAMES = {
    "DM": pl.DataFrame(
        {
            "STUDYID": ["NCT03745417", "NCT03745417"],
            "USUBJID": ["NCT03745417-01-001", "NCT03745417-01-002"],
            "AGE": [34, 51],
            "RFSTDTC": ["2024-01-08", None],
        }
    ),
    "ADSL": pl.DataFrame(
        {
            "STUDYID": ["NCT03745417", "NCT03745417"],
            "USUBJID": ["NCT03745417-01-001", "NCT03745417-01-002"],
            "SITEID": ["01", "01"],  # looks like a number, is text
            "TRTSDT": [date(2024, 1, 8), None],
        }
    ),
}


def test_read_datasets_reads_what_write_datasets_wrote_as_parquet(tmp_path: Path) -> None:
    paths = write_datasets(FRAMES, SPECS, tmp_path, "parquet")
    assert [p.name for p in paths] == ["dm.parquet", "adsl.parquet"]
    back = read_datasets(tmp_path)
    assert list(back) == ["ADSL", "DM"]
    for name, frame in FRAMES.items():
        assert_frame_equal(back[name], frame)


def test_read_datasets_xpt_gives_the_same_values(tmp_path: Path) -> None:
    write_datasets(FRAMES, SPECS, tmp_path)  # xpt by default
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adsl.xpt", "dm.xpt"]
    back = read_datasets(tmp_path)
    for name, frame in FRAMES.items():
        assert_frame_equal(back[name], frame, check_dtypes=False)
    assert back["DM"].schema["AGE"] == pl.Float64  # XPORT has no integers


def test_read_datasets_csv_with_specs_keeps_text_as_text(tmp_path: Path) -> None:
    write_datasets(FRAMES, SPECS, tmp_path, "csv")
    assert read_datasets(tmp_path)["ADSL"].schema["SITEID"] == pl.Int64  # inferred
    back = read_datasets(tmp_path, specs=SPECS)
    assert back["ADSL"]["SITEID"].to_list() == ["01", "01"]
    assert_frame_equal(back["ADSL"], FRAMES["ADSL"])
    assert_frame_equal(back["DM"], FRAMES["DM"], check_dtypes=False)


def test_write_datasets_refuses_before_writing_any_file(tmp_path: Path) -> None:
    bad = {**FRAMES, "ADSL": FRAMES["ADSL"].with_columns(SITEID=pl.lit("Zürich"))}
    with pytest.raises(ExportError, match=r"ADSL.SITEID row 1: value 'Zürich' is not ASCII"):
        write_datasets(bad, SPECS, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # dm.xpt, valid and first, was not written


def test_write_datasets_refuses_a_frame_without_a_spec(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="dataset 'AE' has no spec; specs exist for ADSL, DM"):
        write_datasets({"AE": FRAMES["DM"]}, SPECS, tmp_path)


def test_write_datasets_checks_columns_in_every_format(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="missing AGE"):
        write_datasets({"DM": FRAMES["DM"].drop("AGE")}, SPECS, tmp_path, "csv")
    assert list(tmp_path.iterdir()) == []


def test_write_datasets_refuses_an_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(FieldError, match="expected one of xpt, parquet, csv, got 'sas7bdat'"):
        write_datasets(FRAMES, SPECS, tmp_path, "sas7bdat")


def test_read_datasets_ignores_other_files_and_refuses_duplicates(tmp_path: Path) -> None:
    write_datasets({"DM": FRAMES["DM"]}, SPECS, tmp_path, "csv")
    (tmp_path / "define-sdtm.xml").write_text("<ODM/>")
    assert list(read_datasets(tmp_path)) == ["DM"]
    write_datasets({"DM": FRAMES["DM"]}, SPECS, tmp_path, "parquet")
    with pytest.raises(ExportError, match=r"DM is in both dm.csv and dm.parquet"):
        read_datasets(tmp_path)


def test_read_datasets_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="unknown dataset folder"):
        read_datasets(tmp_path / "nowhere")
