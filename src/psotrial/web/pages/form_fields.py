"""A protocol form as HTML fields: what is shown, what was posted, and each field's error.

The HTML name of an item is its protocol name (``head.erythema``); a lab test has three
(``PLT.value``, ``PLT.lln``, ``PLT.uln``). Posted text becomes typed answers here only as
far as HTML needs (a number field's text to a number, ``true``/``false`` to a boolean, a
choice's text to its code); everything else (ranges, choices, required items) is checked
by ``capture.entries.save_entry`` through ``protocol.answers.read_form``, so a value that
does not convert is passed through as text and refused there with its message. Form
controls of the page itself start with ``_`` (``_version``, ``_reason``, ``_status``),
which no item name can (protocol item names start with a letter).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from psotrial.errors import FieldError, FieldErrors, PsotrialError, ScoringError
from psotrial.protocol import FormSpec, ItemSpec
from psotrial.protocol.answers import nest_answers

__all__ = [
    "NONE_SUFFIX",
    "Field",
    "LabField",
    "Option",
    "build_fields",
    "build_lab_fields",
    "displayed_values",
    "map_errors",
    "posted_values",
    "to_answers",
]

NONE_SUFFIX = ":none"
_LAB_PARTS = ("value", "lln", "uln")
# Choice items with more options than this are a select, not radio buttons.
_MAX_RADIOS = 6

Translate = Callable[[str], str]


@dataclass(frozen=True)
class Option:
    """One answer of a choice or yes/no item."""

    code: str
    label: str
    selected: bool


@dataclass(frozen=True)
class Field:
    """One item as an HTML control, with its value as text, its error and open queries."""

    name: str
    input_id: str
    label: str
    widget: str  # number | text | date | datetime-local | radio | select
    unit: str | None
    min: str | None
    max: str | None
    step: str | None
    required: bool
    nullable: bool
    value: str
    is_null: bool
    options: tuple[Option, ...]
    error: str | None
    queries: int


@dataclass(frozen=True)
class LabField:
    """One laboratory test: result, reference range, unit, errors by part, open queries."""

    code: str
    name: str
    unit: str
    input_id: str
    value: str
    lln: str
    uln: str
    errors: dict[str, str] = field(default_factory=dict)
    queries: int = 0


def _input_id(name: str) -> str:
    return "f-" + name.replace(".", "-").replace("_", "-")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def displayed_values(spec: FormSpec, stored: Mapping[str, Any], timezone: str) -> dict[str, Any]:
    """Stored answers as the form shows them: text keyed by HTML name, ``None`` for a null.

    Lab forms without a stored result show the protocol's default reference range.
    """
    shown: dict[str, Any] = {}
    if spec.instrument == "labs":
        for test in spec.lab_tests:
            result = stored.get(test.code)
            if isinstance(result, Mapping):
                for part in _LAB_PARTS:
                    shown[f"{test.code}.{part}"] = _text(result.get(part))
            else:
                shown[f"{test.code}.lln"] = _text(test.lln)
                shown[f"{test.code}.uln"] = _text(test.uln)
        return shown
    for item in spec.items:
        if item.name not in stored:
            continue
        value = stored[item.name]
        if value is None:
            shown[item.name] = None
        elif item.type == "datetime" and isinstance(value, str):
            shown[item.name] = _local_datetime(value, timezone)
        else:
            shown[item.name] = _text(value)
    return shown


def posted_values(spec: FormSpec, form: Mapping[str, Any]) -> dict[str, Any]:
    """The posted text of every field, keyed by HTML name; ``None`` where "none" was ticked."""
    posted: dict[str, Any] = {}
    if spec.instrument == "labs":
        for test in spec.lab_tests:
            for part in _LAB_PARTS:
                name = f"{test.code}.{part}"
                value = form.get(name)
                if isinstance(value, str):
                    posted[name] = value
        return posted
    for item in spec.items:
        if item.nullable and form.get(item.name + NONE_SUFFIX):
            posted[item.name] = None
            continue
        value = form.get(item.name)
        if isinstance(value, str) and value.strip():
            posted[item.name] = value
    return posted


def to_answers(spec: FormSpec, posted: Mapping[str, Any], timezone: str) -> dict[str, Any]:
    """Posted text as the form's JSON answers (nested by dotted name), ready for save_entry."""
    if spec.instrument == "labs":
        results: dict[str, Any] = {}
        for test in spec.lab_tests:
            value = posted.get(f"{test.code}.value", "").strip()
            if not value:
                continue  # a test not done this time
            results[test.code] = {
                "value": _number(value),
                "unit": test.unit,
                "lln": _optional_number(posted.get(f"{test.code}.lln", "")),
                "uln": _optional_number(posted.get(f"{test.code}.uln", "")),
            }
        return results
    flat: dict[str, Any] = {}
    for item in spec.items:
        if item.name not in posted:
            continue
        raw = posted[item.name]
        flat[item.name] = None if raw is None else _typed(item, raw.strip(), timezone)
    return nest_answers(flat)


def _typed(item: ItemSpec, raw: str, timezone: str) -> Any:
    if item.type in ("integer", "decimal"):
        return _number(raw)
    if item.type == "boolean":
        return {"true": True, "false": False}.get(raw, raw)
    if item.type == "choice":
        return next((code for code in item.choice_codes if str(code) == raw), raw)
    if item.type == "datetime":
        return _aware_datetime(raw, timezone)
    return raw


def _number(raw: str) -> Any:
    """A number's text as a Decimal; text that is no number stays text (refused later)."""
    try:
        number = Decimal(raw.strip())
    except InvalidOperation:
        return raw
    if not number.is_finite():
        return raw
    # Whole numbers go as int (as JSON clients send them), so messages read "got 140".
    if number == number.to_integral_value() and abs(number) < 10**15:
        return int(number)
    return number


def _optional_number(raw: str) -> Any:
    return _number(raw) if raw.strip() else None


def _aware_datetime(raw: str, timezone: str) -> str:
    """``datetime-local`` text (site time) as ISO 8601 with the site's offset."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment.isoformat()


def _local_datetime(value: str, timezone: str) -> str:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(timezone))
    return moment.strftime("%Y-%m-%dT%H:%M")


def _widget(item: ItemSpec) -> str:
    if item.type in ("integer", "decimal"):
        return "number"
    if item.type == "boolean":
        return "radio"
    if item.type == "choice":
        return "radio" if len(item.choices) <= _MAX_RADIOS else "select"
    if item.type == "datetime":
        return "datetime-local"
    return item.type  # text, date


def build_fields(
    spec: FormSpec,
    values: Mapping[str, Any],
    *,
    errors: Mapping[str, str],
    queries: Mapping[str, int],
    item_label: Callable[[ItemSpec], str],
    choice_label: Callable[[ItemSpec, Any], str],
    translate: Translate,
) -> list[Field]:
    """Every item of a (non-lab) form as a :class:`Field`, in protocol order."""
    fields = []
    for item in spec.items:
        value = values.get(item.name, "")
        if item.type == "boolean":
            options = tuple(
                Option(code, translate(label), value == code)
                for code, label in (("true", "Yes"), ("false", "No"))
            )
        else:
            options = tuple(
                Option(str(c.code), choice_label(item, c), value == str(c.code))
                for c in item.choices
            )
        step = None
        if item.type == "integer":
            step = "1"
        elif item.type == "decimal":
            step = "any"
        fields.append(
            Field(
                name=item.name,
                input_id=_input_id(item.name),
                label=item_label(item),
                widget=_widget(item),
                unit=item.unit,
                min=_text(item.min) if item.min is not None else None,
                max=_text(item.max) if item.max is not None else None,
                step=step,
                required=item.required,
                nullable=item.nullable,
                value="" if value is None else value,
                is_null=item.name in values and value is None,
                options=options,
                error=errors.get(item.name),
                queries=queries.get(item.name, 0),
            )
        )
    return fields


def build_lab_fields(
    spec: FormSpec,
    values: Mapping[str, Any],
    *,
    errors: Mapping[str, str],
    queries: Mapping[str, int],
    translate: Translate,
) -> list[LabField]:
    """Every test of a laboratory panel as a :class:`LabField`, in protocol order."""
    fields = []
    for test in spec.lab_tests:
        mine = {
            part: errors[f"{test.code}.{part}"]
            for part in (*_LAB_PARTS, "unit")
            if f"{test.code}.{part}" in errors
        }
        if test.code in errors:
            mine.setdefault("value", errors[test.code])
        fields.append(
            LabField(
                code=test.code,
                name=translate(test.name),
                unit=test.unit,
                input_id=_input_id(test.code.lower()),
                value=values.get(f"{test.code}.value", "") or "",
                lln=values.get(f"{test.code}.lln", "") or "",
                uln=values.get(f"{test.code}.uln", "") or "",
                errors=mine,
                queries=sum(n for item, n in queries.items() if item.split(".")[0] == test.code),
            )
        )
    return fields


def map_errors(exc: PsotrialError, spec: FormSpec) -> tuple[dict[str, str], list[str]]:
    """A refusal's errors by HTML field name, and those that belong to no field.

    Fields come back from the services as ``FORM.ITEM`` (read_form), a bare item name
    (edit checks) or ``reason`` (the reason for a change).
    """
    if isinstance(exc, FieldErrors):
        problems = [(e.field, e.msg) for e in exc.errors]
    elif isinstance(exc, FieldError | ScoringError):
        problems = [(exc.field, exc.msg)]
    else:
        return {}, [str(exc)]
    names = {item.name for item in spec.items} | {
        f"{test.code}.{part}" for test in spec.lab_tests for part in (*_LAB_PARTS, "unit")
    }
    names |= {test.code for test in spec.lab_tests}
    by_field: dict[str, str] = {}
    general: list[str] = []
    for name, message in problems:
        local = name.removeprefix(f"{spec.code}.")
        if local == "reason" and name == "reason":
            by_field["_reason"] = message
        elif local in names:
            by_field.setdefault(local, message)
        else:
            general.append(f"{name}: {message}")
    return by_field, general
