"""The screening record's JSON Schema and a complete example, both built from the protocol.

Because both come from the form definitions, a sister protocol gets its own schema and
example without code; the example uses each item's ``example`` value from the protocol.
"""

from __future__ import annotations

from typing import Any

from psotrial.protocol import FormSpec, ItemSpec, Protocol
from psotrial.protocol.answers import nest_answers

__all__ = [
    "EXAMPLE_PLANNED_FIRST_INFUSION",
    "EXAMPLE_SCREENING_DATE",
    "build_example_record",
    "build_record_schema",
]

# Synthetic example dates: screening one week before the planned first infusion.
EXAMPLE_SCREENING_DATE = "2026-02-23"
EXAMPLE_PLANNED_FIRST_INFUSION = "2026-03-02"

_NUMBER = {"integer": "integer", "decimal": "number"}


def build_record_schema(protocol: Protocol) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a screening record for ``protocol``."""
    forms = {form.code: _form_schema(form) for form in protocol.screening_forms}
    confirmable = [c.id for c in protocol.criteria if c.investigator_confirms]
    date = {"type": "string", "format": "date"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Screening record for {protocol.identity.registry_id}",
        "type": "object",
        "additionalProperties": False,
        "required": ["screening_date", "forms"],
        "properties": {
            "protocol": {"type": "string"},
            "screening_date": date,
            "planned_first_infusion": {"anyOf": [date, {"type": "null"}]},
            "forms": {"type": "object", "additionalProperties": False, "properties": forms},
            "confirmations": {
                "type": "object",
                "additionalProperties": False,
                "description": "investigator's word that the candidate passes the criterion",
                "properties": {cid: {"type": ["boolean", "null"]} for cid in confirmable},
            },
        },
    }


def build_example_record(protocol: Protocol) -> dict[str, Any]:
    """A complete screening record of an eligible (synthetic) candidate."""
    forms: dict[str, Any] = {}
    for form in protocol.screening_forms:
        if form.instrument == "labs":
            forms[form.code] = {
                test.code: {
                    "value": test.example,
                    "unit": test.unit,
                    "lln": test.lln,
                    "uln": test.uln,
                }
                for test in form.lab_tests
            }
            continue
        forms[form.code] = nest_answers({item.name: item.example for item in form.items})
    return {
        "protocol": protocol.identity.registry_id.lower(),
        "screening_date": EXAMPLE_SCREENING_DATE,
        "planned_first_infusion": EXAMPLE_PLANNED_FIRST_INFUSION,
        "forms": forms,
        "confirmations": {c.id: True for c in protocol.criteria if c.investigator_confirms},
    }


def _form_schema(form: FormSpec) -> dict[str, Any]:
    if form.instrument == "labs":
        number = {"type": "number", "minimum": 0}
        nullable = {"anyOf": [number, {"type": "null"}]}
        return {
            "type": "object",
            "title": form.name,
            "additionalProperties": False,
            "properties": {
                test.code: {
                    "type": "object",
                    "title": test.name,
                    "additionalProperties": False,
                    "required": ["value", "unit"],
                    "properties": {
                        "value": number,
                        "unit": {"const": test.unit},
                        "lln": nullable,
                        "uln": nullable,
                    },
                }
                for test in form.lab_tests
            },
        }
    root: dict[str, Any] = {"type": "object", "title": form.name, "additionalProperties": False}
    for item in form.items:
        node = root
        *groups, name = item.name.split(".")
        for group in groups:
            node = node.setdefault("properties", {}).setdefault(
                group, {"type": "object", "additionalProperties": False}
            )
        node.setdefault("properties", {})[name] = _item_schema(item)
    return root


def _item_schema(item: ItemSpec) -> dict[str, Any]:
    schema: dict[str, Any]
    if item.type == "choice":
        schema = {"enum": list(item.choice_codes)}
    elif item.type in _NUMBER:
        schema = {"type": _NUMBER[item.type]}
        if item.min is not None:
            schema["minimum"] = float(item.min) if item.min % 1 else int(item.min)
        if item.max is not None:
            schema["maximum"] = float(item.max) if item.max % 1 else int(item.max)
    elif item.type == "boolean":
        schema = {"type": "boolean"}
    elif item.type in ("date", "datetime"):
        schema = {"type": "string", "format": "date" if item.type == "date" else "date-time"}
    else:
        schema = {"type": "string"}
    schema["title"] = item.label
    if item.unit:
        schema["description"] = f"unit: {item.unit}"
    if item.nullable or not item.required:
        schema = {"anyOf": [schema, {"type": "null"}], "title": item.label}
    return schema
