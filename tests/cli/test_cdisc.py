"""``psotrial export sdtm|adam|define`` on a demo database (SQLite, built once per module)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyreadstat
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from psotrial.audit import verify_audit
from psotrial.db.models import AuditEvent
from psotrial.exchange.datasets import read_datasets
from psotrial.exchange.define import validate_define
from psotrial.protocol import Protocol, load_protocol

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(demo_study: Any) -> tuple[str, sessionmaker[Session]]:
    return demo_study.url, demo_study.factory


@pytest.fixture
def url(demo: tuple[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", demo[0])
    return demo[0]


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol("nct03745417")


def exports(factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    with factory() as session:
        rows = session.scalars(
            select(AuditEvent.new_value)
            .where(AuditEvent.action == "export")
            .order_by(AuditEvent.id)
        )
        return [json.loads(row or "null") for row in rows]


def sdtm_frames(factory: sessionmaker[Session], protocol: Protocol) -> dict[str, pl.DataFrame]:
    from psotrial.capture.extract import load_captured
    from psotrial.sdtm import build_sdtm

    with factory() as session:
        return dict(build_sdtm(load_captured(session, protocol), protocol))


def assert_same_values(path: Path, frame: pl.DataFrame) -> None:
    """The XPT at ``path``, read with pyreadstat itself, holds ``frame``'s values."""
    back, meta = pyreadstat.read_xport(str(path), output_format="polars")
    assert isinstance(back, pl.DataFrame)
    assert meta.table_name == path.stem.upper()
    assert back.height == frame.height
    for name in frame.columns:
        want, got = frame[name].to_list(), back[name].to_list()
        if frame[name].dtype == pl.String or frame[name].dtype == pl.Null:
            # XPORT has no character missing value: blank stands for null
            want = ["" if v is None else v for v in want]
            got = ["" if v is None else v for v in got]
            assert got == want, name
        elif frame[name].dtype in (pl.Date,) or isinstance(frame[name].dtype, pl.Datetime):
            assert got == want, name
        else:
            for g, w in zip(got, want, strict=True):
                assert (g is None) == (w is None), name
                if w is not None:
                    assert g == pytest.approx(float(w), rel=1e-14), name


def test_export_refuses_an_unknown_format(cli: Any, url: str, tmp_path: Path) -> None:
    status, _, err = cli("export", "sdtm", "--format", "sas7bdat", "--out", str(tmp_path / "x"))
    assert status == 2
    assert "expected one of xpt, parquet, csv, got 'sas7bdat'" in err
    assert not (tmp_path / "x").exists()


def test_export_adam_refuses_an_unknown_imputation(cli: Any, url: str, tmp_path: Path) -> None:
    status, _, err = cli("export", "adam", "--imputation", "bocf", "--out", str(tmp_path))
    assert status == 2
    assert "expected one of nri, locf, none, got 'bocf'" in err


def test_export_sdtm_xpt_reads_back_with_the_same_values(
    cli: Any, url: str, demo: tuple[str, Any], protocol: Protocol, tmp_path: Path
) -> None:
    out = tmp_path / "sdtm"
    before = len(exports(demo[1]))
    status, stdout, err = cli("export", "sdtm", "--out", str(out))
    assert (status, err) == (0, "")
    assert stdout.startswith("exported ")
    frames = sdtm_frames(demo[1], protocol)
    assert "DM" in frames
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n.lower()}.xpt" for n in frames)
    for name, frame in frames.items():
        assert_same_values(out / f"{name.lower()}.xpt", frame)
    events = exports(demo[1])
    assert len(events) == before + 1
    assert events[-1]["kind"] == "sdtm"
    assert events[-1]["format"] == "xpt"
    assert "dm.xpt" in events[-1]["files"]
    with demo[1]() as session:
        assert verify_audit(session).ok


def test_export_sdtm_parquet_keeps_types(
    cli: Any, url: str, demo: tuple[str, Any], protocol: Protocol, tmp_path: Path
) -> None:
    status, _, err = cli("export", "sdtm", "--format", "parquet", "--out", str(tmp_path))
    assert (status, err) == (0, "")
    back = read_datasets(tmp_path)
    for name, frame in sdtm_frames(demo[1], protocol).items():
        assert back[name].equals(frame), name


def test_export_adam_xpt(
    cli: Any, url: str, demo: tuple[str, Any], protocol: Protocol, tmp_path: Path
) -> None:
    from psotrial.adam import build_adam

    status, _, err = cli("export", "adam", "--out", str(tmp_path), "--imputation", "nri")
    assert (status, err) == (0, "")
    frames: Mapping[str, pl.DataFrame] = build_adam(
        sdtm_frames(demo[1], protocol), protocol, imputation="nri"
    )
    assert "ADSL" in frames
    for name, frame in frames.items():
        assert_same_values(tmp_path / f"{name.lower()}.xpt", frame)
    assert exports(demo[1])[-1]["kind"] == "adam"


def test_export_define_writes_valid_documents(
    cli: Any, url: str, demo: tuple[str, Any], tmp_path: Path
) -> None:
    status, _, err = cli("export", "define", "--out", str(tmp_path))
    assert (status, err) == (0, "")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["define-adam.html", "define-adam.xml", "define-sdtm.html", "define-sdtm.xml"]
    for stem in ("define-sdtm", "define-adam"):
        assert validate_define((tmp_path / f"{stem}.xml").read_bytes()) == []
        assert "<table" in (tmp_path / f"{stem}.html").read_text()
    assert exports(demo[1])[-1]["kind"] == "define"
