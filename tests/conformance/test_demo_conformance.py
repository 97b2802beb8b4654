"""The demo study's SDTM and ADaM datasets have no error-level conformance finding.

The demo is built once for this module on SQLite through the capture services, loaded with
the read service and tabulated and analysed exactly as ``psotrial export`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from psotrial.adam import ADAM_SPECS, build_adam
from psotrial.capture.demo import build_demo
from psotrial.capture.extract import load_captured
from psotrial.conformance import Finding, check_adam, check_sdtm
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.db.migrate import upgrade
from psotrial.exchange.terminology import load_terminology
from psotrial.protocol import load_protocol
from psotrial.sdtm import SDTM_SPECS, build_sdtm
from psotrial.sdtm.metadata import DatasetSpec
from psotrial.settings import Settings

Frames = dict[str, pl.DataFrame]


def by_name(specs: Any) -> dict[str, DatasetSpec]:
    if isinstance(specs, Mapping):
        return dict(specs)
    return {spec.name: spec for spec in specs}


@pytest.fixture(scope="module")
def demo_datasets(tmp_path_factory: pytest.TempPathFactory) -> tuple[Frames, Frames]:
    path: Path = tmp_path_factory.mktemp("demo") / "trial.db"
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    try:
        upgrade(engine)
        factory = make_sessionmaker(engine)
        protocol = load_protocol("nct03745417")
        build_demo(
            factory,
            protocol=protocol,
            protocol_name="nct03745417",
            participants=30,
            now=datetime(2026, 9, 1, 9, 0, tzinfo=UTC),
        )
        with transaction(factory) as session:
            captured = load_captured(session, protocol)
        sdtm = dict(build_sdtm(captured, protocol))
        adam = dict(build_adam(sdtm, protocol, imputation="nri"))
    finally:
        engine.dispose()
    return sdtm, adam


def errors(findings: list[Finding]) -> list[str]:
    return [
        f"{f.rule_id} {f.dataset}.{f.variable} {f.record}: {f.message}"
        for f in findings
        if f.severity == "error"
    ]


def test_demo_sdtm_has_no_conformance_errors(demo_datasets: tuple[Frames, Frames]) -> None:
    sdtm, _ = demo_datasets
    findings = check_sdtm(sdtm, by_name(SDTM_SPECS), load_terminology())
    assert errors(findings) == []


def test_demo_adam_has_no_conformance_errors(demo_datasets: tuple[Frames, Frames]) -> None:
    _, adam = demo_datasets
    findings = check_adam(adam, by_name(ADAM_SPECS), load_terminology())
    assert errors(findings) == []


def test_every_codelist_the_specs_name_is_vendored() -> None:
    ct = load_terminology()
    specs = [*by_name(SDTM_SPECS).values(), *by_name(ADAM_SPECS).values()]
    named = {v.codelist for spec in specs for v in spec.variables if v.codelist}
    external = {"COUNTRY", "MedDRA", "MEDDRA", "WHODrug", "WHODRUG", "ISO 3166", "ISO 8601"}
    sponsor = {"AEREL"}  # no CDISC codelist exists (docs/cdisc.md section 7.2)
    assert sorted(c for c in named - external - sponsor if c not in ct) == []
