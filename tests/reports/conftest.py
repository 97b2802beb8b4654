"""The demo trial's ADaM, analysis and rendered report, built once per session for tests/reports.

A hostile AE verbatim term is planted in ADAE (the listing shows verbatim terms), so every
rendering test also checks that text from the data never becomes markup.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from psotrial.capture.demo import build_demo
from psotrial.capture.extract import load_captured
from psotrial.db.engine import make_engine, make_sessionmaker
from psotrial.db.migrate import upgrade
from psotrial.protocol import Protocol, load_protocol
from psotrial.settings import Settings

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
GENERATED = datetime(2026, 8, 10, 12, 0, tzinfo=UTC)
HOSTILE = '<script>alert("psotrial")</script> & <b>bold</b>'


@dataclass(frozen=True)
class Demo:
    """The demo study's frames, analysis and both renderings."""

    protocol: Protocol
    adam: Mapping[str, pl.DataFrame]
    analysis: Any
    data: Any
    html: str
    pdf: bytes
    pdf_path: Path


@pytest.fixture(scope="session")
def report_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from psotrial.adam import build_adam
    from psotrial.reports import ReportData, render_report_html, render_report_pdf
    from psotrial.sdtm import build_sdtm
    from psotrial.stats.build import build_analysis

    folder = tmp_path_factory.mktemp("report")
    engine = make_engine(Settings(database_url=f"sqlite:///{folder / 'demo.db'}"))
    upgrade(engine)
    factory = make_sessionmaker(engine)
    protocol = load_protocol("nct03745417")
    build_demo(
        factory, protocol=protocol, protocol_name="nct03745417", participants=12, seed=7, now=NOW
    )
    with factory() as session:
        captured = load_captured(session, protocol)
    engine.dispose()
    sdtm = build_sdtm(captured, protocol)
    adam = {**build_adam(sdtm, protocol, imputation="nri"), "IE": sdtm["IE"]}
    adae = adam["ADAE"]
    assert adae.height > 0, "the demo should report adverse events"
    adam["ADAE"] = adae.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(HOSTILE))
        .otherwise(pl.col("AETERM"))
        .alias("AETERM")
    )
    analysis = build_analysis(adam, protocol, data_cut=captured.data_cut)
    data = ReportData(analysis, adam, protocol, True, GENERATED)
    html = render_report_html(data)
    pdf = render_report_pdf(html)
    pdf_path = folder / "report.pdf"
    pdf_path.write_bytes(pdf)
    return Demo(protocol, adam, analysis, data, html, pdf, pdf_path)
