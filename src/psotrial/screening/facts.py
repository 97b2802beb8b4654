"""Everything a criterion can read, computed from a screening record.

Item answers become facts named ``FORM.ITEM``; lab results ``labs.TEST.value|unit|lln|uln``;
scored forms add derived facts (``pasi.total``, ``bsa.total_pct``, ``zung_sds.index``,
``demographics.age_years``; see :mod:`psotrial.protocol.facts`). A derived fact whose
inputs are incomplete is *unavailable*, with the reason naming the missing items, so the
criteria reading it come back ``cannot_evaluate`` rather than guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from psotrial.exact import round_half_up
from psotrial.instruments.bsa import compute_bsa
from psotrial.instruments.dlqi import compute_dlqi
from psotrial.instruments.pasi import compute_pasi
from psotrial.instruments.zung import compute_zung
from psotrial.protocol import FormSpec, Protocol, ProtocolSettings
from psotrial.protocol.answers import nest_answers
from psotrial.protocol.facts import DERIVED_FACTS
from psotrial.screening.record import ScreeningRecord

__all__ = ["Facts", "compute_age", "compute_facts"]


@dataclass(frozen=True)
class Facts:
    """Known fact values, and for each unavailable derived fact the reason."""

    values: Mapping[str, Any]
    unavailable: Mapping[str, str]


def compute_age(birth_date: date, on: date) -> int:
    """Age in completed years on ``on`` (a birthday counts from its day).

    Example:
        >>> compute_age(date(1960, 3, 2), date(2026, 3, 1))
        65
        >>> compute_age(date(1960, 3, 2), date(2026, 3, 2))
        66
    """
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def compute_facts(protocol: Protocol, record: ScreeningRecord) -> Facts:
    """Flatten the record's answers and add each scored form's derived facts."""
    values: dict[str, Any] = {}
    unavailable: dict[str, str] = {}
    for code, answers in record.forms.items():
        form = protocol.form(code)
        for name, value in answers.items():
            if form.instrument == "labs":
                for key, part in value.items():
                    values[f"{code}.{name}.{key}"] = part
            else:
                values[f"{code}.{name}"] = value
    for form in protocol.screening_forms:
        derive = _DERIVATIONS.get(form.instrument or "")
        if derive is None:
            continue
        answers = record.forms.get(form.code, {})
        missing = [item.name for item in form.items if item.required and item.name not in answers]
        for name, (value, reason) in derive(
            form, answers, missing, record, protocol.settings
        ).items():
            if reason is None:
                values[f"{form.code}.{name}"] = value
            else:
                unavailable[f"{form.code}.{name}"] = reason
    return Facts(values, unavailable)


def _names(form: FormSpec) -> tuple[str, ...]:
    return DERIVED_FACTS.get(form.instrument or "", ())


Derived = dict[str, tuple[Any, str | None]]
Derivation = Callable[
    [FormSpec, Mapping[str, Any], list[str], ScreeningRecord, ProtocolSettings], Derived
]


def _missing_reason(form: FormSpec, missing: list[str]) -> str:
    shown = ", ".join(f"{form.code}.{name}" for name in missing[:6])
    more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
    return f"{form.name} is incomplete: missing {shown}{more}"


def _pasi(form: FormSpec, answers: Mapping[str, Any], missing: list[str], *_: Any) -> Derived:
    if missing:
        return {"total": (None, _missing_reason(form, missing))}
    return {"total": (compute_pasi(nest_answers(answers)).pasi, None)}


def _bsa(form: FormSpec, answers: Mapping[str, Any], missing: list[str], *_: Any) -> Derived:
    if missing:
        return {"total_pct": (None, _missing_reason(form, missing))}
    return {"total_pct": (compute_bsa(answers).bsa_pct, None)}


def _dlqi(form: FormSpec, answers: Mapping[str, Any], missing: list[str], *_: Any) -> Derived:
    result = compute_dlqi(answers)
    return {"total": (result.total, result.reason if result.total is None else None)}


def _zung(scale: str) -> Derivation:
    def derive(
        form: FormSpec,
        answers: Mapping[str, Any],
        missing: list[str],
        record: ScreeningRecord,
        settings: ProtocolSettings,
    ) -> Derived:
        items = [answers.get(f"q{number}") for number in range(1, 21)]
        result = compute_zung(scale, items, display=settings.zung_display)
        if result.raw is None or result.index is None:
            reason = f"{form.name} is not scored: {result.reason}"
            return {"raw": (None, reason), "index": (None, reason)}
        return {"raw": (result.raw, None), "index": (_zung_index(result.index, settings), None)}

    return derive


def _zung_index(index: Decimal, settings: ProtocolSettings) -> Decimal:
    """The index the protocol's "> 50" / "> 53" compares (architecture.md: exact by default)."""
    if settings.zung_comparison == "truncated_index":
        return Decimal(int(index))
    if settings.zung_comparison == "rounded_index":
        return round_half_up(index, 0)
    return index


def _demographics(
    form: FormSpec,
    answers: Mapping[str, Any],
    missing: list[str],
    record: ScreeningRecord,
    settings: ProtocolSettings,
) -> Derived:
    birth_date = answers.get("birth_date")
    if not isinstance(birth_date, date):
        return {"age_years": (None, "demographics.birth_date is missing")}
    if birth_date > record.screening_date:
        return {"age_years": (None, "demographics.birth_date is after the screening date")}
    return {"age_years": (compute_age(birth_date, record.screening_date), None)}


_DERIVATIONS: Mapping[str, Derivation] = {
    "pasi": _pasi,
    "bsa": _bsa,
    "dlqi": _dlqi,
    "zung_sas": _zung("SAS"),
    "zung_sds": _zung("SDS"),
    "demographics": _demographics,
}
