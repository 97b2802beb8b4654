"""Reading answers against item definitions: types, ranges, choices, every problem listed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from psotrial.errors import FieldError, FieldErrors
from psotrial.protocol import ItemSpec, load_protocol
from psotrial.protocol.answers import read_form, read_item

PROTOCOL = load_protocol("nct03745417")


def spec(**kwargs: Any) -> ItemSpec:
    return ItemSpec.model_validate({"name": "x", "label": "X", **kwargs})


@pytest.mark.parametrize(
    ("item", "value", "expected"),
    [
        ({"type": "integer", "min": 0, "max": 4}, 3, 3),
        ({"type": "integer", "min": 0, "max": 4}, Decimal("3.0"), 3),
        ({"type": "decimal", "min": 0, "max": 100}, Decimal("9.99"), Decimal("9.99")),
        ({"type": "decimal"}, 0.1, Decimal("0.1")),
        ({"type": "boolean"}, False, False),
        ({"type": "date"}, "2026-02-23", date(2026, 2, 23)),
        (
            {"type": "datetime"},
            "2026-03-02T01:30:00Z",
            datetime(2026, 3, 2, 1, 30, tzinfo=UTC),
        ),
        (
            {"type": "datetime"},
            "2026-03-02T09:30:00+08:00",
            datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=8))),
        ),
        ({"type": "choice", "choices": [{"code": 0, "label": "no"}]}, 0, 0),
        ({"type": "text"}, "hello", "hello"),
        ({"type": "date", "nullable": True}, None, None),
        ({"type": "text", "required": False}, None, None),
    ],
)
def test_read_item_accepts_valid(item: dict[str, Any], value: object, expected: object) -> None:
    assert read_item(spec(**item), value, "f.x") == expected


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [
        ({"type": "integer", "min": 0, "max": 4}, 5, "expected 0 to 4, got 5"),
        ({"type": "integer", "min": 0, "max": 4}, 2.5, "expected a whole number"),
        ({"type": "integer"}, "3", "expected a number, got the text '3'"),
        ({"type": "integer"}, True, "expected a number"),
        ({"type": "decimal"}, float("nan"), "expected a finite number"),
        ({"type": "boolean"}, "yes", "expected true or false"),
        ({"type": "boolean"}, 1, "expected true or false"),
        ({"type": "date"}, "23/02/2026", "expected a date as YYYY-MM-DD"),
        ({"type": "date"}, "2026-02-30", "expected a date as YYYY-MM-DD"),
        ({"type": "datetime"}, "2026-03-02T01:30:00", "with offset"),
        ({"type": "choice", "choices": [{"code": 1, "label": "a"}]}, True, "expected one of 1"),
        ({"type": "choice", "choices": [{"code": "M", "label": "a"}]}, "m", "expected one of 'M'"),
        ({"type": "text"}, 3, "expected text"),
        ({"type": "text"}, None, "a value is required"),
    ],
)
def test_read_item_refuses_invalid(item: dict[str, Any], value: object, message: str) -> None:
    with pytest.raises(FieldError, match=message) as caught:
        read_item(spec(**item), value, "f.x")
    assert caught.value.field == "f.x"


def test_read_form_nested_items_flatten() -> None:
    values = read_form(PROTOCOL.form("pasi"), {"head": {"erythema": 2, "area_pct": Decimal("15")}})
    assert values == {"head.erythema": 2, "head.area_pct": Decimal("15")}


def test_read_form_lists_every_problem() -> None:
    with pytest.raises(FieldErrors) as caught:
        read_form(PROTOCOL.form("pasi"), {"head": {"erythema": 7, "colour": "red"}, "neck": 1})
    assert [e.field for e in caught.value.errors] == [
        "pasi.head.erythema",
        "pasi.head.colour",
        "pasi.neck",
    ]


def test_read_form_labs_unit_must_match_protocol() -> None:
    labs = PROTOCOL.form("labs")
    ok = read_form(labs, {"PLT": {"value": 210, "unit": "10^9/L", "lln": 125, "uln": None}})
    assert ok["PLT"] == {"unit": "10^9/L", "value": Decimal(210), "lln": Decimal(125), "uln": None}
    with pytest.raises(FieldError, match="expected '10\\^9/L', got 'G/L'"):
        read_form(labs, {"PLT": {"value": 210, "unit": "G/L"}})
    with pytest.raises(FieldError, match="unknown test; tests are: PLT, WBC"):
        read_form(labs, {"TSH": {"value": 1, "unit": "mU/L"}})
