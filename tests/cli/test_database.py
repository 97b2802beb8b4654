"""``db upgrade``, ``demo``, ``import``, ``audit verify|show`` against real databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

Run = Callable[..., tuple[int, str, str]]  # the ``cli`` fixture of conftest.py


@pytest.fixture
def configured(database: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", database.settings.database_url)
    return database


def test_demo_then_audit_verify(cli: Run, configured: Any) -> None:
    status, out, err = cli("demo", "--participants", "30")
    assert status == 0, err
    assert "SYNTHETIC demo study" in out
    for stage in ("screen_failed", "on_treatment", "follow_up", "completed", "withdrawn"):
        assert stage in out
    assert "investigator-demo-2026" in out
    status, out, _ = cli("audit", "verify")
    assert status == 0
    assert out.startswith("audit trail intact:")
    with configured.engine.connect() as connection:
        assert connection.execute(text("SELECT synthetic FROM study")).scalar() in (True, 1)
        serious = connection.execute(
            text(
                "SELECT count(*) FROM form_entry WHERE form_code = 'adverse_event' "
                "AND data LIKE :pattern"
            ),
            {"pattern": '%"serious":true%'},
        ).scalar()
        assert serious >= 1
        assert (
            connection.execute(text("SELECT count(*) FROM query WHERE status = 'open'")).scalar()
            >= 1
        )
        assert connection.execute(text("SELECT count(*) FROM signature")).scalar() >= 1

    status, out, _ = cli("audit", "show", "GZ01-001", "--json")
    events = json.loads(out)
    assert status == 0
    assert events[0]["action"] == "create"
    assert {"at", "actor", "old", "new", "reason"} <= set(events[0])


def test_audit_verify_exit_1_names_broken_event(cli: Run, configured: Any) -> None:
    assert cli("demo", "--participants", "5")[0] == 0
    guard = (
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"
        if configured.backend == "postgres"
        else "DROP TRIGGER audit_event_no_update"
    )
    with configured.engine.begin() as connection:
        connection.exec_driver_sql(guard)
        connection.exec_driver_sql("UPDATE audit_event SET reason = 'edited' WHERE id = 42")
    status, out, _ = cli("audit", "verify")
    assert status == 1
    assert out.startswith("BROKEN: audit event 42: content does not match its hash")


def test_db_upgrade_is_idempotent(cli: Run, configured: Any) -> None:
    status, out, _ = cli("db", "upgrade")
    assert status == 0
    assert "schema 0003 -> 0003" in out


def test_command_on_unmigrated_database_says_upgrade(
    cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    status, _, err = cli("audit", "verify")
    assert status == 2
    assert "run `psotrial db upgrade`" in err
    assert cli("db", "upgrade")[0] == 0


def test_import_reports_bad_lines(cli: Run, configured: Any, tmp_path: Path) -> None:
    status, cohort, _ = cli("simulate", "cohort", "--n", "3", "--seed", "5")
    assert status == 0
    lines = cohort.splitlines()
    lines.insert(1, '{"site": "GZ01"}')
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, err = cli("import", str(path))
    assert status == 1
    assert f"{path}:2: refused: screening: Field required" in err
    assert "imported 3 participant(s); refused 1 line(s)" in out
    assert cli("audit", "verify")[0] == 0


def test_import_schema(cli: Run) -> None:
    status, out, _ = cli("import", "--schema")
    assert status == 0
    assert json.loads(out)["title"] == "Casebook"


def test_demo_refuses_a_real_study(cli: Run, configured: Any) -> None:
    assert cli("demo", "--participants", "5")[0] == 0
    with configured.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE study SET synthetic = false")
    status, _, err = cli("demo")
    assert status == 2
    assert "(real data)" in err


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("mysql://x", 2, "PSOTRIAL_DATABASE_URL: unsupported database URL 'mysql://x'"),
        ("postgresql://nobody@127.0.0.1:1/x", 3, "database unavailable: connection failed"),
    ],
)
def test_bad_database_url_is_one_clear_line(
    cli: Run, monkeypatch: pytest.MonkeyPatch, url: str, status: int, message: str
) -> None:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", url)
    got, _, err = cli("audit", "verify")
    assert got == status
    assert message in err
    assert err.count("\n") == 1


def test_a_read_only_postgresql_is_one_clear_line(
    cli: Run, database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A standby after fail-over refuses writes with SQLSTATE 25006 (an InternalError to the
    # driver, not an OperationalError): the CLI says so and exits 3, as for a server gone.
    if database.backend != "postgres":
        pytest.skip("SQLSTATE 25006 is PostgreSQL's")
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", database.settings.database_url)
    assert cli("demo", "--participants", "5")[0] == 0
    read_only = database.settings.database_url + "%20-cdefault_transaction_read_only%3Don"
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", read_only)
    status, _, err = cli("sites", "add", "GZ09", "Read-only site")
    assert status == 3, err
    assert err.startswith("psotrial: error: database unavailable (read-only): ")
    assert "read-only transaction" in err
    assert err.count("\n") == 1
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", database.settings.database_url)
    assert "GZ09" not in cli("sites", "list")[1]
