"""build_sdtm on the session's shared demo database (SQLite)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from psotrial.db.models import AuditEvent, FormEntry
from psotrial.sdtm import SDTM_SPECS, Captured


@dataclass
class Demo:
    factory: sessionmaker[Session]
    captured: Captured
    sdtm: dict[str, pl.DataFrame]


@pytest.fixture(scope="module")
def demo(demo_study: Any) -> Demo:
    return Demo(demo_study.factory, demo_study.captured, demo_study.sdtm)


def test_every_dataset_has_exactly_its_spec_columns(demo: Demo) -> None:
    assert set(demo.sdtm) == set(SDTM_SPECS)
    for name, frame in demo.sdtm.items():
        assert frame.columns == list(SDTM_SPECS[name].variable_names), name
    for name in ("DM", "SE", "SV", "DS", "EX", "AE", "LB", "VS", "RS", "QS", "FA"):
        assert demo.sdtm[name].height > 0, name


def test_keys_and_sequence_numbers_are_unique(demo: Demo) -> None:
    for name, frame in demo.sdtm.items():
        spec = SDTM_SPECS[name]
        assert not frame.select(spec.keys).is_duplicated().any(), name
        seq = [v for v in spec.variable_names if v.endswith("SEQ") and v != "TSSEQ"]
        if seq:
            assert not frame.select("USUBJID", seq[0]).is_duplicated().any(), name


def test_study_days_are_never_zero_and_agree_with_dates(demo: Demo) -> None:
    for name, frame in demo.sdtm.items():
        for variable in SDTM_SPECS[name].variables:
            if variable.name.endswith("DY") and variable.name != "VISITDY":
                assert not (frame[variable.name] == 0).any(), (name, variable.name)


def test_values_fit_their_lengths_and_metadata_fits_xpt(demo: Demo) -> None:
    for name, frame in demo.sdtm.items():
        spec = SDTM_SPECS[name]
        assert len(spec.name) <= 8
        assert len(spec.label) <= 40
        for variable in spec.variables:
            assert len(variable.name) <= 8
            assert len(variable.label) <= 40
            assert variable.label.isascii()
            if variable.type != "text" or frame.is_empty():
                continue
            longest = frame[variable.name].str.len_bytes().max()
            assert longest is None or longest <= (variable.length or 200), (name, variable.name)  # type: ignore[operator]
            assert all(v.isascii() for v in frame[variable.name].drop_nulls()), (
                name,
                variable.name,
            )


def test_subject_level_records_carry_an_epoch(demo: Demo) -> None:
    for name in ("SV", "EX", "RS", "QS", "LB", "VS", "FA", "AE", "DS"):
        assert demo.sdtm[name]["EPOCH"].null_count() == 0, name


def test_pasi_total_equals_the_score_captured_with_the_form(demo: Demo) -> None:
    totals = (
        demo.sdtm["RS"]
        .filter(pl.col("RSTESTCD") == "PASI0229")
        .select(pl.col("RSSPID").str.strip_prefix("FE").cast(pl.Int64).alias("entry_id"), "RSORRES")
    )
    stored = demo.captured.scores.filter(pl.col("name") == "pasi")
    joined = totals.join(stored, on="entry_id", how="full")
    assert joined.height == stored.height
    assert (joined["RSORRES"] == joined["value"]).all()


def test_an_rs_record_traces_back_to_its_form_entry_and_audit_history(demo: Demo) -> None:
    record = demo.sdtm["RS"].filter(pl.col("RSTESTCD") == "PASI0201").row(0, named=True)
    entry_id = int(record["RSSPID"].removeprefix("FE"))
    with demo.factory() as session:
        entry = session.get(FormEntry, entry_id)
        assert entry is not None
        assert entry.form_code == "pasi"
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "form_entry",
                AuditEvent.entity_id == str(entry_id),
                AuditEvent.item == "head.erythema",
            )
        ).all()
    assert events
    assert events[-1].new_value == record["RSORRES"]
    subject = demo.sdtm["DM"].filter(pl.col("USUBJID") == record["USUBJID"])
    assert subject.height == 1
