"""``psotrial report`` on a demo database (SQLite, built once per module)."""

from __future__ import annotations

import json
from collections.abc import Iterator
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

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, sessionmaker[Session]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('report-cli') / 'demo.db'}"
    engine = make_engine(Settings(database_url=url))
    upgrade(engine)
    factory = make_sessionmaker(engine)
    build_demo(
        factory,
        protocol=load_protocol("nct03745417"),
        protocol_name="nct03745417",
        participants=8,
        seed=11,
        now=NOW,
    )
    yield url, factory
    engine.dispose()


@pytest.fixture
def url(demo: tuple[str, Any], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", demo[0])
    return demo[0]


def exports(factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    with factory() as session:
        rows = session.scalars(
            select(AuditEvent.new_value)
            .where(AuditEvent.action == "export")
            .order_by(AuditEvent.id)
        )
        return [json.loads(row or "null") for row in rows]


def test_report_writes_html_and_pdf_and_records_the_export(
    cli: Any, url: str, demo: tuple[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    status, stdout, stderr = cli("report", "--out", str(out))
    assert status == 0, stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    pdf = (out / "report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-")
    assert "SYNTHETIC DATA" in html
    digest = stdout.strip().rsplit(" ", 1)[-1]
    assert len(digest) == 64
    assert f'id="adam-sha256">{digest}<' in html
    assert stdout.startswith("wrote report.html (")
    assert f"to {out} (SYNTHETIC)" in stdout
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.pdf"]  # no temp files
    assert exports(demo[1])[-1] == {
        "kind": "report",
        "files": ["report.html", "report.pdf"],
        "format": "html+pdf",
    }


def test_report_refuses_an_unknown_imputation(cli: Any, url: str, tmp_path: Path) -> None:
    status, _, stderr = cli("report", "--out", str(tmp_path / "x"), "--imputation", "none")
    assert status == 2
    assert stderr.startswith("psotrial: error:")
    assert "nri, locf" in stderr
    assert not (tmp_path / "x").exists()
