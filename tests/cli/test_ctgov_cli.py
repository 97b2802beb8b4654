"""``psotrial export ctgov``: registry results from a demo database (SQLite, built once)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from psotrial.capture.demo import build_demo
from psotrial.db.engine import make_engine, make_sessionmaker
from psotrial.db.migrate import upgrade
from psotrial.db.models import AuditEvent
from psotrial.protocol import load_protocol
from psotrial.settings import Settings

Run = Callable[..., tuple[int, str, str]]  # the ``cli`` fixture of conftest.py
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ctgov_demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, sessionmaker[Session]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('ctgov') / 'demo.db'}"
    engine = make_engine(Settings(database_url=url))
    upgrade(engine)
    factory = make_sessionmaker(engine)
    protocol = load_protocol("nct03745417")
    build_demo(
        factory, protocol=protocol, protocol_name="nct03745417", participants=8, seed=7, now=NOW
    )
    yield url, factory
    engine.dispose()


def test_export_ctgov_writes_results_and_records_the_export(
    cli: Run, ctgov_demo: tuple[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url, factory = ctgov_demo
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", url)
    out = tmp_path / "registry" / "results.json"
    status, stdout, err = cli("export", "ctgov", "--out", str(out))
    assert status == 0, err
    assert stdout.startswith(f"wrote {out} (SYNTHETIC): ")
    assert "8 outcome measures in the registry's order" in stdout
    section = json.loads(out.read_text(encoding="utf-8"))["resultsSection"]
    titles = [m["title"] for m in section["outcomeMeasuresModule"]["outcomeMeasures"]]
    assert titles == [o.title for o in load_protocol("nct03745417").outcomes]
    assert not list(out.parent.glob(".*.tmp")), "no temporary file is left behind"
    with factory() as session:
        rows = session.scalars(
            select(AuditEvent.new_value)
            .where(AuditEvent.action == "export")
            .order_by(AuditEvent.id.desc())
        )
        last = json.loads(next(iter(rows)) or "null")
    assert last == {"kind": "ctgov", "files": ["results.json"], "format": "json"}


def test_export_ctgov_refuses_unknown_imputation(
    cli: Run, ctgov_demo: tuple[str, Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", ctgov_demo[0])
    out = tmp_path / "results.json"
    status, _, err = cli("export", "ctgov", "--out", str(out), "--imputation", "mean")
    assert status == 2
    assert "imputation" in err
    assert "nri" in err
    assert not out.exists()
