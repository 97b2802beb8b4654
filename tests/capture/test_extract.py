"""load_captured on both backends: one participant screened and enrolled through the services."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest

from psotrial.capture.entries import save_entry
from psotrial.capture.extract import load_captured
from psotrial.errors import NotFoundError
from psotrial.protocol import load_protocol
from psotrial.sdtm import CAPTURED_SCHEMAS, build_sdtm


def test_load_captured_reads_every_table_typed_and_exact(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        save_entry(
            session, protocol=trial.protocol, actor=trial.actors["coordinator"],
            participant=participant, visit="W0", form="adverse_event", repeat=1, base_version=0,
            data={"ctcae_term": "Fever", "verbatim": "fièvre légère", "onset_date": "2026-03-02",
                  "grade": 1, "serious": False, "relatedness": "possible", "action_taken": "none",
                  "outcome": "recovered"},
            now=trial.now,
        )  # fmt: skip
    with trial.session() as session:
        captured = load_captured(session, trial.protocol)
    for name, schema in CAPTURED_SCHEMAS.items():
        assert dict(getattr(captured, name).schema) == dict(schema), name
    assert captured.participants.select("participant_code", "status").rows() == [
        ("GZ01-001", "enrolled")
    ]
    assert captured.data_cut == trial.now.date()
    assert set(captured.entries["form_code"]) >= {"pasi", "labs", "adverse_event", "demographics"}
    items = dict(
        captured.items.join(captured.entries.filter(pl.col("form_code") == "labs"), on="entry_id")
        .select("item", "value")
        .rows()
    )
    assert items["PLT.value"] == "210"
    assert items["CYSC.uln"] == "1.09"
    verbatim = captured.items.filter(pl.col("item") == "verbatim")["value"].item()
    assert verbatim == "fièvre légère"  # SDTM keeps free text as captured (see docs/drafts/sdtm.md)
    assert captured.verdicts.height == len(trial.protocol.criteria)
    sdtm = build_sdtm(captured, trial.protocol)
    assert sdtm["DM"]["USUBJID"].to_list() == ["NCT03745417-GZ01-001"]
    assert sdtm["AE"]["AETERM"].to_list() == ["fièvre légère"]


def test_load_captured_names_the_missing_study(database: Any) -> None:
    with database.factory() as session, pytest.raises(NotFoundError, match="NCT03745417"):
        load_captured(session, load_protocol("nct03745417"))


def test_load_captured_takes_a_data_cut(trial: Any) -> None:
    with trial.session() as session:
        trial.screen(session)
    with trial.session() as session:
        captured = load_captured(session, trial.protocol, data_cut=date(2026, 12, 31))
    assert captured.data_cut == date(2026, 12, 31)
    assert captured.entries.height == len(trial.protocol.visits[0].forms)
