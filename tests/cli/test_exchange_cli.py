"""``export odm|redcap`` and ``import odm|redcap FILE`` on real databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from psotrial.capture.demo import build_demo
from psotrial.db.models import AuditEvent, Participant
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import load_protocol

Run = Callable[..., tuple[int, str, str]]  # the ``cli`` fixture of conftest.py
NOW = datetime(2026, 8, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def demo(database: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    build_demo(
        database.factory,
        protocol=load_protocol("nct03745417"),
        protocol_name="nct03745417",
        participants=6,
        now=NOW,
    )
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", database.settings.database_url)
    return database


def _fresh(cli: Run, monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", f"sqlite:///{path}")
    assert cli("db", "upgrade")[0] == 0


def test_export_then_import_odm_and_redcap(
    cli: Run, demo: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with demo.factory() as session:
        participants = len(session.scalars(select(Participant)).all())
    odm = tmp_path / "study.odm.xml"
    status, out, err = cli("export", "odm", "--out", str(odm))
    assert status == 0, err
    assert out.startswith(f"exported {participants} participants, ")
    assert "(ODM 1.3.2, schema-valid" in out
    status, out, err = cli("export", "redcap", "--out", str(tmp_path / "redcap"))
    assert status == 0, err
    names = sorted(p.name for p in (tmp_path / "redcap").iterdir())
    assert {"data_dictionary.csv", "instrument_event_mapping.csv", "records.csv"} <= set(names)
    with demo.factory() as session:
        exports = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [loads_exact(e.new_value)["format"] for e in exports] == ["odm", "redcap"]

    _fresh(cli, monkeypatch, tmp_path / "from_odm.db")
    status, out, err = cli("import", "odm", str(odm))
    assert status == 0, err
    assert out.strip() == f"imported {participants} participant(s); refused 0"
    status, out, err = cli("import", "odm", str(odm))  # the same file again adds nobody
    assert status == 1
    assert "already in this database" in err
    assert cli("audit", "verify")[0] == 0

    _fresh(cli, monkeypatch, tmp_path / "from_redcap.db")
    status, out, err = cli("import", "redcap", str(tmp_path / "redcap" / "records.csv"))
    assert status == 0, err
    assert out.strip() == f"imported {participants} participant(s); refused 0"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("import", "odm"), "give the odm file to import: psotrial import odm FILE"),
        (("import", "xml", "x.xml"), "unknown import format 'xml'; formats are: odm, redcap"),
        (("import", "redcap", "missing.csv"), "cannot read missing.csv: no such file"),
    ],
)
def test_import_refuses_bad_arguments(
    cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: tuple[str, ...], message: str
) -> None:
    _fresh(cli, monkeypatch, tmp_path / "empty.db")
    status, _, err = cli(*argv)
    assert status == 2
    assert message in err


def test_import_of_an_invalid_odm_file_writes_nothing(
    cli: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _fresh(cli, monkeypatch, tmp_path / "empty.db")
    bad = tmp_path / "bad.xml"
    bad.write_text('<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3"/>', encoding="utf-8")
    status, _, err = cli("import", "odm", str(bad))
    assert status == 2
    assert "not valid ODM 1.3.2" in err


def test_import_keeps_the_casebook_schema_option(cli: Run) -> None:
    status, out, _ = cli("import", "--schema")
    assert status == 0
    assert json.loads(out)["title"] == "Casebook"
