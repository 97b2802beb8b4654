"""``psotrial check sdtm|adam DIR`` on exported demo datasets, a planted error and bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from psotrial.adam import ADAM_SPECS
from psotrial.exchange.datasets import write_datasets
from psotrial.sdtm import SDTM_SPECS
from psotrial.sdtm.metadata import DatasetSpec

Run = Callable[..., tuple[int, str, str]]  # the ``cli`` fixture of tests/cli/conftest.py
Frames = dict[str, pl.DataFrame]


def by_name(specs: Any) -> dict[str, DatasetSpec]:
    if isinstance(specs, Mapping):
        return dict(specs)
    return {spec.name: spec for spec in specs}


@pytest.fixture(scope="module")
def demo(demo_study: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Frames, Frames, Path]:
    """The demo's SDTM and ADaM frames, and a folder with sdtm/ and adam/ as XPT."""
    root = tmp_path_factory.mktemp("check")
    sdtm, adam = demo_study.sdtm, demo_study.adam["nri"]
    write_datasets(sdtm, by_name(SDTM_SPECS), root / "sdtm", "xpt")
    write_datasets(adam, by_name(ADAM_SPECS), root / "adam", "xpt")
    return sdtm, adam, root


@pytest.mark.parametrize("standard", ["sdtm", "adam"])
def test_check_passes_on_the_demo_export(cli: Run, demo: Any, standard: str) -> None:
    _, _, root = demo
    status, out, err = cli("check", standard, str(root / standard))
    assert status == 0, out + err
    assert " 0 errors" in out


def test_check_json_lists_findings_with_counts(cli: Run, demo: Any) -> None:
    _, _, root = demo
    status, out, _ = cli("check", "sdtm", str(root / "sdtm"), "--json")
    report = json.loads(out)
    assert status == 0
    assert report["standard"] == "SDTM"
    assert report["errors"] == 0
    assert report["datasets"] >= 10
    assert report["warnings"] == len(report["findings"])


def test_check_exits_1_and_names_a_planted_error(cli: Run, demo: Any, tmp_path: Path) -> None:
    sdtm, _, _ = demo
    dm = sdtm["DM"]
    planted = dm.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("X")).otherwise(pl.col("SEX")).alias("SEX")
    )
    write_datasets({**sdtm, "DM": planted}, by_name(SDTM_SPECS), tmp_path, "parquet")
    status, out, _ = cli("check", "sdtm", str(tmp_path))
    assert status == 1
    assert "SD0006" in out
    assert "1 errors" in out
    status, out, _ = cli("check", "sdtm", str(tmp_path), "--json")
    (error,) = [f for f in json.loads(out)["findings"] if f["severity"] == "error"]
    assert (error["rule_id"], error["dataset"], error["variable"]) == ("SD0006", "DM", "SEX")
    assert error["message"].startswith("'X' is not in non-extensible codelist SEX (C66731)")


def test_check_exits_1_when_an_adam_change_is_wrong(cli: Run, demo: Any, tmp_path: Path) -> None:
    _, adam, _ = demo
    name = next(n for n, f in adam.items() if "CHG" in f.columns and f["CHG"].drop_nulls().len())
    frame = adam[name]
    wrong = frame.with_columns((pl.col("CHG") + 1).alias("CHG"))
    write_datasets({**adam, name: wrong}, by_name(ADAM_SPECS), tmp_path, "parquet")
    status, out, _ = cli("check", "adam", str(tmp_path), "--json")
    report = json.loads(out)
    assert status == 1
    assert {f["rule_id"] for f in report["findings"] if f["severity"] == "error"} == {"AD0014"}


def test_check_exits_2_on_a_missing_or_empty_folder(cli: Run, tmp_path: Path) -> None:
    status, _, err = cli("check", "sdtm", str(tmp_path / "nowhere"))
    assert status == 2
    assert "nowhere" in err
    status, _, err = cli("check", "adam", str(tmp_path))
    assert status == 2
    assert "no dataset files" in err
