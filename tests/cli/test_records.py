"""``export-records``, ``backup`` and ``restore`` on the database of PSOTRIAL_DATABASE_URL."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner

from psotrial.audit import verify_audit
from psotrial.capture.actors import SYSTEM
from psotrial.capture.entries import save_entry
from psotrial.capture.participants import register_candidate
from psotrial.capture.study import ensure_study
from psotrial.capture.visits import record_visit
from psotrial.cli.records import backup, export_records, restore
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.db.migrate import upgrade
from psotrial.db.models import AuditEvent, Participant
from psotrial.errors import FieldError, StateError
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import load_protocol
from psotrial.settings import Settings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

app = typer.Typer()
app.command("export-records")(export_records)
app.command("backup")(backup)
app.command("restore")(restore)


@pytest.fixture
def study(database: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The database of the CLI: a study with one candidate's vital signs (74.9 kg)."""
    protocol = load_protocol("nct03745417")
    with transaction(database.factory) as session:
        ensure_study(
            session,
            actor=SYSTEM,
            protocol=protocol,
            protocol_name="nct03745417",
            synthetic=True,
            now=NOW,
        )
        participant = register_candidate(
            session, actor=SYSTEM, site="GZ01", screening_date=date(2026, 2, 23), now=NOW
        )
        record_visit(
            session,
            protocol=protocol,
            actor=SYSTEM,
            participant=participant,
            visit="SCR",
            on=date(2026, 2, 23),
            now=NOW,
        )
        save_entry(
            session,
            protocol=protocol,
            actor=SYSTEM,
            participant=participant,
            visit="SCR",
            form="vital_signs",
            base_version=0,
            now=NOW,
            data={
                "weight_kg": 74.9,
                "systolic_bp": 120,
                "diastolic_bp": 80,
                "heart_rate": 70,
                "temperature_c": 36.8,
            },
        )
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", database.settings.database_url)
    return database


def run(*argv: str) -> Any:
    return CliRunner().invoke(app, list(argv))


def actions(factory: Any) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_export_records_writes_files_and_an_audit_event(study: Any, tmp_path: Path) -> None:
    out = tmp_path / "export"
    result = run("export-records", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"exported 1 csv files to {out}\n"
    with (out / "vital_signs.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["participant"], r["weight_kg"]) for r in rows] == [("GZ01-S001", "74.9")]
    assert actions(study.factory)[-1] == "export"


def test_export_records_jsonl(study: Any, tmp_path: Path) -> None:
    result = run("export-records", "--format", "jsonl", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    row = loads_exact((tmp_path / "vital_signs.jsonl").read_text(encoding="utf-8"))
    assert str(row["weight_kg"]) == "74.9"


def test_export_records_refuses_bad_input(study: Any, tmp_path: Path) -> None:
    result = run("export-records", "--format", "xml", "--out", str(tmp_path))
    assert isinstance(result.exception, FieldError)
    assert "csv, jsonl" in str(result.exception)
    assert "export" not in actions(study.factory)


def test_backup_then_restore_into_an_empty_database(
    study: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "trial.jsonl.gz"
    result = run("backup", str(path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("backed up ")
    assert result.output.endswith(f"{path}\n")
    assert actions(study.factory)[-1] == "backup"

    target_settings = Settings(database_url=f"sqlite:///{tmp_path / 'restored.db'}")
    engine = make_engine(target_settings)
    upgrade(engine)
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", target_settings.database_url)
    try:
        result = run("restore", str(path))
        assert result.exit_code == 0, result.output
        assert "audit events verified" in result.output
        factory = make_sessionmaker(engine)
        # The backup's own event came after its snapshot; the restore's is the last.
        assert actions(factory)[-1] == "restore"
        assert actions(factory)[:-1] == actions(study.factory)[:-1]
        with factory() as session:
            assert verify_audit(session).ok
            assert session.scalars(select(Participant.screening_number)).all() == ["GZ01-S001"]
        result = run("restore", str(path))
        assert isinstance(result.exception, StateError)
    finally:
        engine.dispose()
