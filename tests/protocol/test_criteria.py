"""The rule language: each form parses to its node, and criteria are checked."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from psotrial.protocol import Criterion, Rule, iter_facts
from psotrial.protocol.criteria import AllRule, AnyRule, CompareRule, InRule, NotRule, WithinRule

RULE: TypeAdapter[Any] = TypeAdapter(Rule)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        ({"fact": "a.b", "op": ">", "value": 7}, CompareRule),
        ({"fact": "a.b", "op": ">", "ref": "a.c", "times": 2}, CompareRule),
        ({"fact": "a.b", "in": ["x", "y"]}, InRule),
        ({"fact": "a.b", "within_days": 14}, WithinRule),
        ({"not": {"fact": "a.b", "op": "==", "value": True}}, NotRule),
        ({"all": [{"fact": "a.b", "op": "<", "value": 1}]}, AllRule),
        ({"any": [{"all": [{"fact": "a.b", "in": ["x"]}]}]}, AnyRule),
    ],
)
def test_rule_parses_each_form(data: dict[str, Any], kind: type) -> None:
    assert isinstance(RULE.validate_python(data), kind)


def test_rule_value_is_exact_decimal() -> None:
    rule = RULE.validate_python({"fact": "labs.PLT.value", "op": "<", "value": 75.0})
    assert rule.value == Decimal("75.0")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"fact": "a.b", "op": ">"}, "give exactly one of 'value' and 'ref'"),
        ({"fact": "a.b", "op": ">", "value": 1, "ref": "a.c"}, "give exactly one"),
        ({"fact": "a.b", "op": ">", "value": 1, "times": 2}, "'times' and 'plus' apply only"),
        ({"fact": "a.b", "op": "=>", "value": 1}, "Input should be '>'"),
        ({"fact": "a.b", "within_days": 0}, "greater than 0"),
        ({"any": []}, "at least 1 item"),
    ],
)
def test_rule_malformed_is_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        RULE.validate_python(data)


def test_iter_facts_lists_each_fact_once_in_order() -> None:
    rule = RULE.validate_python(
        {
            "any": [
                {"fact": "labs.ALT.value", "op": ">", "ref": "labs.ALT.uln", "times": 2},
                {"not": {"fact": "pasi.total", "op": ">", "value": 7}},
                {"fact": "labs.ALT.value", "op": ">", "value": 1000},
            ]
        }
    )
    assert iter_facts(rule) == ["labs.ALT.value", "labs.ALT.uln", "pasi.total"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"id": "EX01", "kind": "exclusion", "text": "t"}, "needs a rule"),
        (
            {"id": "IN01", "kind": "exclusion", "text": "t", "investigator_confirms": True},
            "starts with 'EX'",
        ),
        (
            {"id": "X1", "kind": "inclusion", "text": "t", "investigator_confirms": True},
            "should match pattern",
        ),
    ],
)
def test_criterion_malformed_is_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Criterion.model_validate(data)
