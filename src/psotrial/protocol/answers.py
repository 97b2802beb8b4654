"""Read a form's answers against the protocol's item definitions.

The one place that turns JSON-like input into typed item values: integers, exact
decimals, dates, booleans and choice codes, each checked for type, range and allowed
choices. Every problem is collected (not just the first) so a user can fix a form in one
pass; each names the item and what it accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from psotrial.errors import FieldError, FieldErrors, ScoringError, shown
from psotrial.exact import to_decimal
from psotrial.protocol.crfs import FormSpec, ItemSpec, LabTestSpec

__all__ = [
    "MAX_NESTING",
    "MAX_TEXT_CHARS",
    "nest_answers",
    "read_form",
    "read_item",
    "read_lab_result",
]

MAX_TEXT_CHARS = 4000
"""The longest text answer accepted (the API's bound on a text in a form body): a verbatim
term or a medication name fits many times over, and a 1 MB paste is refused, not stored."""

MAX_NESTING = 4
"""How deep a form's answers may nest (PASI's ``head.erythema`` is 2): deeper input is an
unknown item, never a recursion into whatever depth a client sends."""

ItemValue = int | Decimal | str | date | datetime | bool | None


def read_item(spec: ItemSpec, value: object, field: str) -> ItemValue:
    """One answer as its typed value; ``None`` only where the item is nullable.

    Raises:
        FieldError: wrong type, out of range, or not one of the choices.
    """
    if value is None:
        if spec.nullable or not spec.required:
            return None
        raise FieldError(field, "a value is required (this item cannot be blank)")
    if spec.type == "boolean":
        if not isinstance(value, bool):
            raise FieldError(field, f"expected true or false, got {shown(value)}")
        return value
    if spec.type == "choice":
        # bool is an int in Python; never let true stand for choice 1.
        if not isinstance(value, bool) and value in spec.choice_codes:
            return value
        choices = ", ".join(repr(code) for code in spec.choice_codes)
        raise FieldError(field, f"expected one of {choices}, got {shown(value)}")
    if spec.type in ("integer", "decimal"):
        return _read_number(spec, value, field)
    if spec.type == "date":
        return _read_date(value, field)
    if spec.type == "datetime":
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                pass
            else:
                if moment.tzinfo is not None:
                    return moment
        raise FieldError(field, f"expected an ISO 8601 date-time with offset, got {shown(value)}")
    if not isinstance(value, str):
        raise FieldError(field, f"expected text, got {shown(value)}")
    if len(value) > MAX_TEXT_CHARS:
        raise FieldError(field, f"expected at most {MAX_TEXT_CHARS} characters, got {len(value)}")
    # NUL (PostgreSQL text cannot hold it) and lone surrogates (not encodable as UTF-8)
    # would fail in the database; refuse them here, naming the item.
    if "\x00" in value:
        raise FieldError(field, "a text cannot contain the NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FieldError(
            field, f"not valid Unicode text (a lone surrogate at character {exc.start})"
        ) from None
    return value


def read_form(form: FormSpec, data: object, *, prefix: str = "") -> dict[str, Any]:
    """Every answer of one form, keyed by item name (lab forms: by test code).

    Absent items are left out (the caller decides whether that is "missing"); an
    explicit ``null`` is kept as ``None``.

    Raises:
        FieldError: one field is wrong.
        FieldErrors: several are; each is listed.
    """
    where = prefix or form.code
    if not isinstance(data, Mapping):
        raise FieldError(where, f"expected an object of answers, got {type(data).__name__}")
    problems: list[FieldError] = []
    values: dict[str, Any] = {}
    if form.instrument == "labs":
        for code, result in data.items():
            test = form.lab_test(str(code))
            if test is None:
                tests = ", ".join(t.code for t in form.lab_tests)
                problems.append(FieldError(f"{where}.{code}", f"unknown test; tests are: {tests}"))
                continue
            try:
                values[test.code] = read_lab_result(test, result, f"{where}.{code}")
            except FieldError as exc:
                problems.append(exc)
    else:
        flat = _flatten(data)
        for name, value in flat.items():
            spec = form.item(name)
            if spec is None:
                items = ", ".join(item.name for item in form.items)
                problems.append(FieldError(f"{where}.{name}", f"unknown item; items are: {items}"))
                continue
            try:
                values[name] = read_item(spec, value, f"{where}.{name}")
            except FieldError as exc:
                problems.append(exc)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise FieldErrors(problems)
    return values


def read_lab_result(test: LabTestSpec, result: object, field: str) -> dict[str, Any]:
    """``{"value", "unit", "lln", "uln"}`` in the protocol's unit for the test."""
    if not isinstance(result, Mapping):
        raise FieldError(field, 'expected {"value": n, "unit": u, "lln": n|null, "uln": n|null}')
    unknown = sorted(set(result) - {"value", "unit", "lln", "uln"})
    if unknown:
        raise FieldError(field, f"unknown keys {unknown}; expected value, unit, lln, uln")
    if result.get("unit") != test.unit:
        raise FieldError(
            f"{field}.unit", f"expected {test.unit!r}, got {shown(result.get('unit'))}"
        )
    numbers: dict[str, Decimal | None] = {}
    for key in ("value", "lln", "uln"):
        raw = result.get(key)
        if raw is None and key != "value":
            numbers[key] = None
            continue
        try:
            number = to_decimal(raw, f"{field}.{key}")
        except ScoringError as exc:
            raise FieldError(exc.field, exc.msg) from None
        if number < 0:
            raise FieldError(f"{field}.{key}", f"expected a number >= 0, got {shown(raw)}")
        _check_storable(number, f"{field}.{key}", raw)
        numbers[key] = number
    return {
        "value": numbers["value"],
        "unit": test.unit,
        "lln": numbers["lln"],
        "uln": numbers["uln"],
    }


def _read_number(spec: ItemSpec, value: object, field: str) -> int | Decimal:
    try:
        number = to_decimal(value, field)
    except ScoringError as exc:
        raise FieldError(field, exc.msg) from None
    if isinstance(value, str):
        raise FieldError(field, f"expected a number, got the text {shown(value)}")
    _check_storable(number, field, value)
    bounds = _describe_range(spec)
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        unit = f" {spec.unit}" if spec.unit else ""
        raise FieldError(field, f"expected {bounds}{unit}, got {shown(value)}")
    if spec.type == "integer":
        if number != number.to_integral_value():
            raise FieldError(field, f"expected a whole number ({bounds}), got {shown(value)}")
        return int(number)
    return number


def _check_storable(number: Decimal, field: str, value: object) -> None:
    """Stored JSON keeps 15 significant digits exactly, within 1e-15 to 1e15 (a float's
    exact range); refuse what it would round, rather than store another number."""
    if len(number.normalize().as_tuple().digits) > 15:
        raise FieldError(field, f"expected at most 15 significant digits, got {shown(value)}")
    if number and not -15 <= number.adjusted() < 15:
        raise FieldError(field, f"expected a magnitude from 1e-15 to 1e15, got {shown(value)}")


def _describe_range(spec: ItemSpec) -> str:
    if spec.min is not None and spec.max is not None:
        return f"{spec.min} to {spec.max}"
    if spec.min is not None:
        return f"at least {spec.min}"
    if spec.max is not None:
        return f"at most {spec.max}"
    return "a number"


def _read_date(value: object, field: str) -> date:
    if isinstance(value, str) and len(value) == 10:
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise FieldError(field, f"expected a date as YYYY-MM-DD, got {shown(value)}")


def nest_answers(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Answers keyed by dotted item name, nested as a form's JSON holds them.

    Example:
        >>> nest_answers({"head.erythema": 2, "head.area": 1, "vas_mm": 40})
        {'head': {'erythema': 2, 'area': 1}, 'vas_mm': 40}
    """
    nested: dict[str, Any] = {}
    for name, value in flat.items():
        *groups, item = name.split(".")
        target = nested
        for group in groups:
            target = target.setdefault(group, {})
        target[item] = value
    return nested


def _flatten(data: Mapping[Any, Any], prefix: str = "", depth: int = 1) -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and depth < MAX_NESTING:
            flat.update(_flatten(value, f"{name}.", depth + 1))
        else:
            flat[name] = value
    return flat
