from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from psotrial.errors import MissingVariablesError
from psotrial.sdtm.source import (
    CAPTURED_SCHEMAS,
    Captured,
    build_captured,
    flatten_values,
    render_value,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("16.25"), "16.25"), (Decimal("1.5E+7"), "15000000"), (Decimal("37.0"), "37.0"),
     (3, "3"), (True, "true"), (False, "false"), ("no", "no"), (None, None), ([1, 2], "[1,2]")],
)  # fmt: skip
def test_render_value_keeps_exact_text(value: object, text: str | None) -> None:
    assert render_value(value) == text


def test_flatten_values_gives_dotted_paths_for_nested_lab_results() -> None:
    flat = dict(flatten_values({"ALT": {"value": 18, "uln": Decimal("40.5")}, "q7a": "no"}))
    assert flat == {"ALT.value": "18", "ALT.uln": "40.5", "q7a": "no"}


def test_build_captured_flattens_entries_and_types_every_frame() -> None:
    captured = build_captured(
        participants=[{"participant_id": 1, "site_code": "GZ01", "screening_number": "S1",
                       "status": "screening", "status_date": date(2026, 1, 5),
                       "screening_date": date(2026, 1, 5)}],
        entries=[{"entry_id": 4, "participant_id": 1, "visit_code": "SCR", "form_code": "bsa",
                  "data": {"head": Decimal("1.5")}, "scores": {"bsa_pct": Decimal("1.5")}}],
        data_cut=date(2026, 2, 1),
    )  # fmt: skip
    assert captured.items.rows() == [(4, "head", "1.5")]
    assert captured.scores.rows() == [(4, "bsa_pct", "1.5")]
    assert captured.entries.get_column("status").to_list() == ["complete"]
    for name, schema in CAPTURED_SCHEMAS.items():
        assert dict(getattr(captured, name).schema) == dict(schema), name


def test_captured_refuses_a_frame_without_its_columns() -> None:
    good = build_captured(participants=[], data_cut=date(2026, 1, 1))
    with pytest.raises(MissingVariablesError, match=r"visits\.actual_date"):
        Captured(
            study=good.study, sites=good.sites, participants=good.participants,
            visits=pl.DataFrame({"participant_id": [1]}), entries=good.entries, items=good.items,
            scores=good.scores, verdicts=good.verdicts, data_cut=date(2026, 1, 1),
        )  # fmt: skip
