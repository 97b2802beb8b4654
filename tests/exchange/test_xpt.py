"""The XPORT v5 writer: values survive a round trip; anything over the limits is refused."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import polars as pl
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from psotrial.errors import ExportError
from psotrial.exchange.xpt import check_xpt, read_xpt, write_xpt
from psotrial.sdtm.metadata import DatasetSpec, Variable

ADSL = DatasetSpec(
    name="ADSL",
    label="Subject-Level Analysis Dataset",
    dataset_class="SUBJECT LEVEL ANALYSIS DATASET",
    structure="One record per subject",
    keys=("STUDYID", "USUBJID"),
    variables=(
        Variable("STUDYID", "Study Identifier", "text", "Req"),
        Variable("USUBJID", "Unique Subject Identifier", "text", "Req"),
        Variable("AGE", "Age", "integer", "Req"),
        Variable("BMIBL", "Baseline BMI (kg/m2)", "float"),
        Variable("TRTSDT", "Date of First Exposure to Treatment", "date"),
        Variable("TRTSDTM", "Datetime of First Exposure to Treatment", "datetime"),
        Variable("RFSTDTC", "Subject Reference Start Date/Time", "date"),
        Variable("SAFFL", "Safety Population Flag", "text", length=1),
    ),
)


def adsl() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "STUDYID": ["NCT03745417"] * 3,
            "USUBJID": ["NCT03745417-01-001", "NCT03745417-01-002", "NCT03745417-01-003"],
            "AGE": [34, 51, None],
            "BMIBL": [23.4, None, 0.1],
            "TRTSDT": [date(2024, 1, 8), None, date(1959, 12, 31)],
            "TRTSDTM": [datetime(2024, 1, 8, 9, 30, 5), None, None],
            "RFSTDTC": ["2024-01-08", None, "2023-12"],
            "SAFFL": ["Y", "N", None],
        }
    )


def test_write_xpt_round_trip_gives_the_same_values(tmp_path: Path) -> None:
    path = tmp_path / "adsl.xpt"
    write_xpt(adsl(), ADSL, path)
    back = read_xpt(path)
    expected = adsl().with_columns(pl.col("AGE").cast(pl.Float64))
    assert_frame_equal(back, expected, check_dtypes=False)
    assert back.schema["TRTSDT"] == pl.Date
    assert back.schema["RFSTDTC"] == pl.String  # SDTM --DTC stays ISO 8601 text


def test_write_xpt_writes_v5_metadata(tmp_path: Path) -> None:
    path = tmp_path / "adsl.xpt"
    write_xpt(adsl(), ADSL, path)
    _, meta = pyreadstat.read_xport(str(path), metadataonly=True)
    assert meta.table_name == "ADSL"
    assert meta.file_label == "Subject-Level Analysis Dataset"
    assert meta.column_names_to_labels["TRTSDT"] == "Date of First Exposure to Treatment"
    assert meta.original_variable_types["TRTSDT"] == "DATE9"
    assert meta.original_variable_types["TRTSDTM"] == "DATETIME20"
    # lengths are the longest value in bytes, as the FDA asks
    assert meta.variable_storage_width["USUBJID"] == len("NCT03745417-01-001")
    assert meta.variable_storage_width["SAFFL"] == 1
    head = path.read_bytes()[:80]
    assert head.startswith(b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!")
    assert b"LIBV8" not in path.read_bytes()[:400]
    # pandas' own XPORT reader agrees
    assert pd.read_sas(path, format="xport", encoding="ascii")["AGE"].tolist()[:2] == [34, 51]


def _label(spec: DatasetSpec, name: str, label: str) -> DatasetSpec:
    variables = tuple(
        Variable(v.name, label, v.type, v.core, v.length) if v.name == name else v
        for v in spec.variables
    )
    return DatasetSpec(
        spec.name, spec.label, spec.dataset_class, spec.structure, spec.keys, variables
    )


@pytest.mark.parametrize(
    ("spec", "frame", "message"),
    [
        (_label(ADSL, "AGE", "A" * 41), adsl(), "ADSL.AGE: label 'AAAA"),
        (
            DatasetSpec("ADSL", "S" * 41, "X", "Y", (), ADSL.variables),
            adsl(),
            "dataset ADSL: label",
        ),
        (_label(ADSL, "AGE", "Âge"), adsl(), "is not ASCII"),
        (
            DatasetSpec("ADSL_LONG", "x", "X", "Y", (), ADSL.variables),
            adsl(),
            "name 'ADSL_LONG' is not allowed",
        ),
        (
            DatasetSpec("adsl", "x", "X", "Y", (), ADSL.variables),
            adsl(),
            "name 'adsl' is not allowed",
        ),
        (
            ADSL,
            adsl().with_columns(pl.Series("USUBJID", ["a", "b", "x" * 201])),
            "ADSL.USUBJID row 3: value 'xxx",
        ),
        (
            ADSL,
            adsl().with_columns(pl.Series("STUDYID", ["NCT03745417", "café", "µg"])),
            "ADSL.STUDYID row 2: value 'café' is not ASCII",
        ),
        (ADSL, adsl().with_columns(SAFFL=pl.lit("YES")), "over the spec's length 1"),
        (ADSL, adsl().drop("AGE"), "missing AGE"),
        (ADSL, adsl().with_columns(EXTRA=pl.lit(1)), "not in the spec EXTRA"),
        (ADSL, adsl().with_columns(AGE=pl.lit("34")), "ADSL.AGE: column of type String"),
        (ADSL, adsl().with_columns(BMIBL=pl.lit(1e300)), "ADSL.BMIBL row 1: value 1e.300 cannot"),
        (ADSL, adsl().with_columns(BMIBL=pl.lit(1e-300)), "ADSL.BMIBL row 1: value 1e-300"),
        (ADSL, adsl().with_columns(BMIBL=pl.lit(float("inf"))), "value inf cannot"),
    ],
)
def test_write_xpt_refuses_rather_than_truncates(
    tmp_path: Path, spec: DatasetSpec, frame: pl.DataFrame, message: str
) -> None:
    path = tmp_path / "adsl.xpt"
    with pytest.raises(ExportError, match=message.replace("(", r"\(")):
        write_xpt(frame, spec, path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_write_xpt_allows_exactly_200_bytes_and_40_characters(tmp_path: Path) -> None:
    frame = adsl().with_columns(pl.Series("USUBJID", ["a", "b", "x" * 200]))
    write_xpt(frame, _label(ADSL, "AGE", "A" * 40), tmp_path / "adsl.xpt")
    assert read_xpt(tmp_path / "adsl.xpt")["USUBJID"][2] == "x" * 200


def test_write_xpt_keeps_the_old_file_when_refused(tmp_path: Path) -> None:
    path = tmp_path / "adsl.xpt"
    write_xpt(adsl(), ADSL, path)
    before = path.read_bytes()
    with pytest.raises(ExportError):
        write_xpt(adsl().with_columns(STUDYID=pl.lit("é")), ADSL, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["adsl.xpt"]


def test_write_xpt_reorders_columns_to_the_spec(tmp_path: Path) -> None:
    path = tmp_path / "adsl.xpt"
    write_xpt(adsl().select(reversed(ADSL.variable_names)), ADSL, path)
    assert read_xpt(path).columns == list(ADSL.variable_names)


def test_write_xpt_all_null_columns(tmp_path: Path) -> None:
    frame = adsl().with_columns(
        SAFFL=pl.lit(None, pl.String), AGE=pl.lit(None), TRTSDT=pl.lit(None, pl.Date)
    )
    write_xpt(frame, ADSL, tmp_path / "adsl.xpt")
    back = read_xpt(tmp_path / "adsl.xpt")
    assert back["SAFFL"].null_count() == 3
    assert back["AGE"].null_count() == 3


TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(TEXT.filter(lambda s: s.strip() == s and s != ""), min_size=1, max_size=5),
    numbers=st.lists(
        st.one_of(
            st.none(),
            st.just(0.0),
            st.floats(-9e74, 9e74, allow_nan=False).filter(lambda x: x == 0 or abs(x) > 1e-78),
        ),
        min_size=5,
        max_size=5,
    ),
)
def test_write_xpt_round_trip_property(
    tmp_path: Path, values: list[str], numbers: list[float | None]
) -> None:
    spec = DatasetSpec(
        "QS",
        "Questionnaires",
        "FINDINGS",
        "x",
        ("QSSEQ",),
        (Variable("QSORRES", "Result", "text"), Variable("QSSTRESN", "Numeric Result", "float")),
    )
    frame = pl.DataFrame(
        {"QSORRES": values, "QSSTRESN": numbers[: len(values)]},
        schema={"QSORRES": pl.String, "QSSTRESN": pl.Float64},
    )
    path = tmp_path / "qs.xpt"
    write_xpt(frame, spec, path)
    back = read_xpt(path)
    assert back["QSORRES"].to_list() == values
    # IBM hex floats keep 56 bits of mantissa: at least as precise as IEEE doubles here
    for got, want in zip(back["QSSTRESN"].to_list(), frame["QSSTRESN"].to_list(), strict=True):
        assert (got is None) == (want is None)
        if want is not None:
            assert got == pytest.approx(want, rel=1e-15, abs=1e-300)


def test_check_xpt_writes_nothing(tmp_path: Path) -> None:
    check_xpt(adsl(), ADSL)
    assert list(tmp_path.iterdir()) == []


def test_write_xpt_empty_dataset_keeps_its_types(tmp_path: Path) -> None:
    path = tmp_path / "adsl.xpt"
    write_xpt(adsl().clear(), ADSL, path)
    back = read_xpt(path)
    assert back.height == 0
    assert back.schema["USUBJID"] == pl.String
    assert back.schema["AGE"] == pl.Float64
    assert back.schema["TRTSDT"] == pl.Date
