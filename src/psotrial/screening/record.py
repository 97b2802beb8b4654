"""A screening record: the screening visit's forms, dates and investigator confirmations.

JSON shape (the public contract of ``psotrial eligibility``)::

    {
      "screening_date": "2026-02-23",
      "planned_first_infusion": "2026-03-02" | null,
      "forms": {FORM_CODE: {ITEM: value, ...}, ...},
      "confirmations": {CRITERION_ID: true | false, ...}
    }

``forms`` holds the forms due at the protocol's screening visit; lab results are
``{"labs": {"PLT": {"value": 210, "unit": "10^9/L", "lln": 125, "uln": 350}}}``.
A confirmation is the investigator's word that the candidate passes that criterion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from psotrial.errors import FieldError, FieldErrors
from psotrial.protocol import Protocol
from psotrial.protocol.answers import read_form

__all__ = ["ScreeningRecord", "read_screening_record"]

_KEYS = ("screening_date", "planned_first_infusion", "forms", "confirmations")


@dataclass(frozen=True)
class ScreeningRecord:
    """A validated screening record; ``forms`` maps form code to its typed answers."""

    screening_date: date
    planned_first_infusion: date | None
    forms: Mapping[str, Mapping[str, Any]]
    confirmations: Mapping[str, bool] = field(default_factory=dict)


def read_screening_record(protocol: Protocol, data: object) -> ScreeningRecord:
    """Validate a screening record against the protocol's screening forms.

    Absent items stay absent (a criterion reading them cannot be evaluated); malformed
    ones are errors.

    Raises:
        FieldError: one field is wrong.
        FieldErrors: several are; each is listed.
    """
    if not isinstance(data, Mapping):
        raise FieldError("record", f"expected a JSON object with keys {', '.join(_KEYS)}")
    problems: list[FieldError] = []
    unknown = sorted(set(data) - set(_KEYS) - {"protocol"})
    if unknown:
        problems.append(FieldError(unknown[0], f"unknown key; expected: {', '.join(_KEYS)}"))

    screening_date = _date(data.get("screening_date"), "screening_date", problems)
    first_infusion = None
    if data.get("planned_first_infusion") is not None:
        first_infusion = _date(data["planned_first_infusion"], "planned_first_infusion", problems)

    forms: dict[str, Mapping[str, Any]] = {}
    raw_forms = data.get("forms", {})
    screening_forms = {form.code: form for form in protocol.screening_forms}
    if not isinstance(raw_forms, Mapping):
        problems.append(FieldError("forms", "expected an object keyed by form code"))
        raw_forms = {}
    for code, answers in raw_forms.items():
        form = screening_forms.get(code)
        if form is None:
            codes = ", ".join(screening_forms)
            problems.append(FieldError(f"forms.{code}", f"not a screening form; expected: {codes}"))
            continue
        try:
            forms[code] = read_form(form, answers, prefix=f"forms.{code}")
        except FieldErrors as exc:
            problems.extend(exc.errors)
        except FieldError as exc:
            problems.append(exc)

    confirmations = _confirmations(protocol, data.get("confirmations", {}), problems)
    if (
        screening_date is not None
        and first_infusion is not None
        and first_infusion < screening_date
    ):
        problems.append(FieldError("planned_first_infusion", "cannot be before the screening date"))
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise FieldErrors(problems)
    assert screening_date is not None  # a missing date was reported as a problem above
    return ScreeningRecord(screening_date, first_infusion, forms, confirmations)


def _date(value: object, name: str, problems: list[FieldError]) -> date | None:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    problems.append(FieldError(name, f"expected a date as YYYY-MM-DD, got {value!r}"))
    return None


def _confirmations(protocol: Protocol, raw: object, problems: list[FieldError]) -> dict[str, bool]:
    confirmable = [c.id for c in protocol.criteria if c.investigator_confirms]
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append(FieldError("confirmations", "expected an object of criterion ID: bool"))
        return {}
    confirmations: dict[str, bool] = {}
    for key, value in raw.items():
        if key not in confirmable:
            problems.append(
                FieldError(
                    f"confirmations.{key}",
                    f"no investigator confirmation for this criterion; "
                    f"expected one of: {', '.join(confirmable)}",
                )
            )
        elif value is not None and not isinstance(value, bool):
            problems.append(
                FieldError(f"confirmations.{key}", f"expected true or false, got {value!r}")
            )
        elif value is not None:
            confirmations[key] = value
    return confirmations
