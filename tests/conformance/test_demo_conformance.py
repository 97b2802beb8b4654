"""The demo study's SDTM and ADaM datasets have no error-level conformance finding.

The demo is built once for this module on SQLite through the capture services, loaded with
the read service and tabulated and analysed exactly as ``psotrial export`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import pytest

from psotrial.adam import ADAM_SPECS
from psotrial.conformance import Finding, check_adam, check_sdtm
from psotrial.exchange.terminology import load_terminology
from psotrial.sdtm import SDTM_SPECS
from psotrial.sdtm.metadata import DatasetSpec

Frames = dict[str, pl.DataFrame]


def by_name(specs: Any) -> dict[str, DatasetSpec]:
    if isinstance(specs, Mapping):
        return dict(specs)
    return {spec.name: spec for spec in specs}


@pytest.fixture(scope="module")
def demo_datasets(demo_study: Any) -> tuple[Frames, Frames]:
    return demo_study.sdtm, demo_study.adam["nri"]


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
