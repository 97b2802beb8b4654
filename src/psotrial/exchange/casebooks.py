"""Captured data as exchanged: the model behind the ODM and REDCap files.

:func:`load_exchange` reads the whole database into :class:`SubjectRecord` objects in a few
set-based queries; the ODM and REDCap writers render them, and their readers produce them
again, so both formats share one reading of the database and one way back in:
:func:`to_casebook` turns a record into the casebook that
:func:`psotrial.capture.importing.import_casebook` takes, and :func:`import_casebooks`
loads each in its own transaction.

:func:`exchange_forms` lists the forms as exchanged: the protocol's forms (a laboratory
panel as ``TEST.value``, ``TEST.lln`` and ``TEST.uln`` items) after two psotrial forms that
carry what the protocol forms do not hold: ``psotrial.visit`` (the date a visit was done)
and ``psotrial.participant`` (status, planned and actual first infusion, withdrawal).

Identifiers never leave (issue 5): no names, contact details or login names; users
appear as pseudonymous OIDs (``USR.<number>``). Of the form items (the table is
:data:`psotrial.capture.deidentify.IDENTIFYING_ITEMS`, shared with the record export),
``demographics.birth_date`` is generalised to the date that gives the same completed age
at screening (what eligibility and the analysis use), and
``eligibility_confirmation.investigator`` (a name) becomes :data:`WITHHELD`. Both are
required items, so an import receives these stand-ins rather than blanks and the forms stay
complete; generalising twice gives the same value, so a re-export is identical.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from psotrial.audit import Change, append_events, batched_events
from psotrial.capture.actors import Actor
from psotrial.capture.deidentify import (
    IDENTIFYING_ITEMS,
    WITHHELD,
    Identifiers,
    load_identifiers,
    mask_item,
    mask_text,
)
from psotrial.capture.importing import import_casebook
from psotrial.capture.participants import TRANSITIONS
from psotrial.capture.study import get_study
from psotrial.casebook import Casebook, Enrolment, LogRecord, Screening, VisitRecord, Withdrawal
from psotrial.db.engine import transaction
from psotrial.db.models import AuditEvent, FormEntry, Participant, Site, User, Visit
from psotrial.errors import DataEntryError, FieldError, PsotrialError, StateError
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import Choice, FormSpec, Protocol

__all__ = [
    "IDENTIFYING_ITEMS",
    "LAB_FIELDS",
    "PARTICIPANT_FORM",
    "VISIT_FORM",
    "WITHHELD",
    "ExchangeData",
    "ExchangeForm",
    "ExchangeItem",
    "FormRecord",
    "ItemAudit",
    "SubjectRecord",
    "exchange_forms",
    "format_value",
    "import_casebooks",
    "load_exchange",
    "parse_value",
    "record_export",
    "to_casebook",
]

PARTICIPANT_FORM = "psotrial.participant"
VISIT_FORM = "psotrial.visit"
LAB_FIELDS = ("value", "lln", "uln")
ItemType = Literal["integer", "decimal", "text", "date", "datetime", "choice", "boolean"]


@dataclass(frozen=True)
class ExchangeItem:
    """One exchanged value of a form: a protocol item, or one field of a laboratory test."""

    key: str
    label: str
    type: ItemType
    unit: str | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    required: bool = False
    nullable: bool = False
    choices: tuple[Choice, ...] = ()
    default: Decimal | None = None  # the prefill of a laboratory reference limit


@dataclass(frozen=True)
class ExchangeForm:
    """A form as exchanged: its code, name, whether it repeats, and its items."""

    code: str
    name: str
    repeating: bool
    items: tuple[ExchangeItem, ...]
    description: str | None = None


@dataclass(frozen=True)
class ItemAudit:
    """Where a value came from: the audit event that last set it."""

    user: str
    at: datetime
    reason: str | None
    event_id: int


@dataclass(frozen=True)
class FormRecord:
    """One form entry: its values by item key (labs: ``CA.value``) and their audit."""

    visit: str
    form: str
    repeat: int
    values: dict[str, Any]
    audit: dict[str, ItemAudit] = field(default_factory=dict)


@dataclass(frozen=True)
class SubjectRecord:
    """One participant as exchanged (identifiers already generalised)."""

    key: str
    site: str
    status: str | None
    planned_first_infusion: date | None
    first_infusion: date | None
    withdrawal_date: date | None
    withdrawal_reason: str | None
    visit_dates: dict[str, date]
    forms: tuple[FormRecord, ...]


@dataclass(frozen=True)
class ExchangeData:
    """Everything an export holds: the participants and the (pseudonymous) users."""

    subjects: tuple[SubjectRecord, ...]
    users: dict[str, tuple[str, str]]  # username -> (user OID, ODM UserType)


# --- Forms and items as exchanged ------------------------------------------------------


def exchange_forms(protocol: Protocol) -> tuple[ExchangeForm, ...]:
    """The protocol's forms as exchanged, the two psotrial forms first.

    Example:
        >>> from psotrial.protocol import load_protocol
        >>> forms = exchange_forms(load_protocol("nct03745417"))
        >>> [f.code for f in forms][:3], [i.key for i in forms[-1].items][:2]
        (['psotrial.participant', 'psotrial.visit', 'informed_consent'], ['status', 'date'])
    """
    return _exchange_forms(protocol)


@cache
def _exchange_forms(protocol: Protocol) -> tuple[ExchangeForm, ...]:
    statuses = tuple(Choice(code=s, label=s.replace("_", " ")) for s in TRANSITIONS)
    participant = ExchangeForm(
        PARTICIPANT_FORM,
        "Participant (psotrial)",
        False,
        (
            ExchangeItem("status", "Participant status", "choice", choices=statuses),
            ExchangeItem("planned_first_infusion", "Planned first infusion", "date"),
            ExchangeItem("first_infusion", "First infusion (Day 1)", "date"),
            ExchangeItem("withdrawal_date", "Date of withdrawal", "date"),
            ExchangeItem("withdrawal_reason", "Reason for withdrawal", "text"),
        ),
        "Participant-level facts the protocol forms do not hold; status is informational "
        "(an import derives it from the data).",
    )
    visit = ExchangeForm(
        VISIT_FORM,
        "Visit (psotrial)",
        False,
        (ExchangeItem("date", "Date the visit was done", "date", required=True),),
    )
    return (participant, visit, *(_exchange_form(spec) for spec in protocol.forms))


def _exchange_form(spec: FormSpec) -> ExchangeForm:
    if spec.instrument == "labs":
        items: list[ExchangeItem] = []
        for test in spec.lab_tests:
            items.append(ExchangeItem(f"{test.code}.value", test.name, "decimal", test.unit))
            for bound, words, default in (("lln", "lower", test.lln), ("uln", "upper", test.uln)):
                label = f"{test.name} - {words} limit of normal"
                key = f"{test.code}.{bound}"
                items.append(
                    ExchangeItem(key, label, "decimal", test.unit, nullable=True, default=default)
                )
        return ExchangeForm(spec.code, spec.name, spec.repeating, tuple(items), spec.copyright)
    return ExchangeForm(
        spec.code,
        spec.name,
        spec.repeating,
        tuple(
            ExchangeItem(
                item.name,
                item.label,
                item.type,
                item.unit,
                item.min,
                item.max,
                item.required,
                item.nullable,
                item.choices,
            )
            for item in spec.items
        ),
        spec.copyright,
    )


# --- Values as text --------------------------------------------------------------------


def format_value(value: Any, *, boolean: tuple[str, str] = ("true", "false")) -> str:
    """A stored value as exchange text: decimals as written, never scientific notation.

    Example:
        >>> format_value(Decimal("74.90")), format_value(True), format_value(3)
        ('74.90', 'true', '3')
    """
    if isinstance(value, bool):
        return boolean[0] if value else boolean[1]
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


_INTEGER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?\d+(\.\d+)?|-?\.\d+")


def parse_value(item: ExchangeItem, text: str, where: str) -> Any:
    """Exchange text as the value the capture services take (``Decimal`` for decimals).

    Range and date checks are left to the capture services, which name the item.

    Raises:
        FieldError: the text is not of the item's type (``where`` names the place).

    Example:
        >>> parse_value(ExchangeItem("w", "Weight", "decimal"), "74.90", "w")
        Decimal('74.90')
    """
    if item.type == "integer":
        if not _INTEGER.fullmatch(text):
            raise FieldError(where, f"expected a whole number, got {text!r}")
        return int(text)
    if item.type == "decimal":
        if not _DECIMAL.fullmatch(text):
            raise FieldError(where, f"expected a decimal number like 74.9, got {text!r}")
        try:
            return Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise FieldError(where, f"expected a number, got {text!r}") from None
    if item.type == "boolean":
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise FieldError(where, f"expected true or false (1 or 0), got {text!r}")
    if item.type == "choice":
        for choice in item.choices:
            if str(choice.code) == text:
                return choice.code
        codes = ", ".join(str(choice.code) for choice in item.choices)
        raise FieldError(where, f"expected one of {codes}, got {text!r}")
    return text


# --- Reading the database --------------------------------------------------------------


def load_exchange(session: Session, protocol: Protocol) -> ExchangeData:
    """Every participant, visit, form entry and value audit, in four set-based queries.

    Participants come in order of registration, visits in schedule order, forms in
    protocol order and repeats by number. Identifiers are generalised and free text is
    masked here (psotrial.capture.deidentify), so nothing downstream can leak them.
    """
    order = {visit.code: index for index, visit in enumerate(protocol.visits)}
    form_order = {spec.code: index for index, spec in enumerate(protocol.forms)}
    last: dict[tuple[str, str], AuditEvent] = {}
    for event in session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "form_entry", AuditEvent.action.in_(("create", "update")))
        .order_by(AuditEvent.id)
    ):
        last[(event.entity_id or "", event.item or "")] = event
    users = {"system": ("USR.SYSTEM", "Other")}
    for user_id, username, role in session.execute(select(User.id, User.username, User.role)):
        users[username] = (f"USR.{user_id}", "Investigator" if role == "investigator" else "Other")
    dates: dict[int, dict[str, date]] = {}
    for participant_id, code, on in session.execute(
        select(Visit.participant_id, Visit.visit_code, Visit.actual_date).where(
            Visit.actual_date.is_not(None)
        )
    ):
        if on is not None:
            dates.setdefault(participant_id, {})[code] = on
    identifiers = load_identifiers(session)
    entries: dict[int, list[FormEntry]] = {}
    for entry in session.scalars(select(FormEntry)):
        entries.setdefault(entry.participant_id, []).append(entry)
    subjects = []
    for participant, site in session.execute(
        select(Participant, Site.code)
        .join(Site, Site.id == Participant.site_id)
        .order_by(Participant.id)
    ):
        rows = sorted(
            entries.get(participant.id, []),
            key=lambda e: (
                order.get(e.visit_code, 99),
                form_order.get(e.form_code, 99),
                e.repeat_index,
            ),
        )
        key = participant.participant_code or participant.screening_number
        known = identifiers[key]
        forms = tuple(_form_record(protocol, entry, last, users, known) for entry in rows)
        withdrawn = participant.status == "withdrawn"
        visit_dates = dates.get(participant.id, {})
        subjects.append(
            SubjectRecord(
                key=key,
                site=site,
                status=participant.status,
                planned_first_infusion=participant.planned_first_infusion,
                first_infusion=participant.first_infusion,
                withdrawal_date=participant.status_date if withdrawn else None,
                withdrawal_reason=_masked(participant.status_reason, known) if withdrawn else None,
                visit_dates=dict(sorted(visit_dates.items(), key=lambda kv: order.get(kv[0], 99))),
                forms=forms,
            )
        )
    return ExchangeData(tuple(subjects), users)


def _masked(text: str | None, known: Identifiers) -> str | None:
    # Free text that is not a form item (a reason): masked as the free-text items are.
    return (
        text
        if text is None
        else mask_text(text, birth_dates=known.birth_dates, names=known.names)[0]
    )


def _form_record(
    protocol: Protocol,
    entry: FormEntry,
    last: Mapping[tuple[str, str], AuditEvent],
    users: Mapping[str, tuple[str, str]],
    known: Identifiers,
) -> FormRecord:
    spec = protocol.form(entry.form_code)
    data: dict[str, Any] = loads_exact(entry.data)
    values: dict[str, Any] = {}
    audit: dict[str, ItemAudit] = {}
    for name, value in data.items():
        event = last.get((str(entry.id), name))
        keys: dict[str, Any]
        if spec.instrument == "labs":
            keys = {f"{name}.{f}": value.get(f) for f in LAB_FIELDS if f in value}
        else:
            keys = {name: mask_item(entry.form_code, name, value, known)[0]}
        for key, item_value in keys.items():
            values[key] = item_value
            if event is not None:
                user = users.get(event.actor, ("USR.UNKNOWN", "Other"))[0]
                audit[key] = ItemAudit(user, event.at, _masked(event.reason, known), event.id)
    return FormRecord(entry.visit_code, entry.form_code, entry.repeat_index, values, audit)


# --- Casebooks -------------------------------------------------------------------------


def to_casebook(subject: SubjectRecord, protocol: Protocol) -> Casebook:
    """The casebook the capture services import for ``subject``.

    Repeating forms become logs, in visit order then by repeat number (the import numbers
    them 1, 2, ... in that order).

    Raises:
        DataEntryError: no screening visit date, or forms at a visit that has no date.
    """
    screening_visit = protocol.visits[0].code
    if screening_visit not in subject.visit_dates:
        raise DataEntryError(f"{subject.key}: no date for the screening visit {screening_visit}")
    forms: dict[str, dict[str, dict[str, Any]]] = {}
    logs: list[tuple[int, int, LogRecord]] = []
    order = {visit.code: index for index, visit in enumerate(protocol.visits)}
    for record in subject.forms:
        if record.visit not in subject.visit_dates:
            raise DataEntryError(
                f"{subject.key}: {record.form} at {record.visit}, a visit with no date"
            )
        data = _casebook_data(protocol.form(record.form), record.values)
        if record.repeat > 0:
            log = LogRecord(visit=record.visit, form=record.form, data=data)
            logs.append((order.get(record.visit, len(order)), record.repeat, log))
        else:
            forms.setdefault(record.visit, {})[record.form] = data
    visits = tuple(
        VisitRecord(visit=code, date=on, forms=forms.get(code, {}))
        for code, on in sorted(subject.visit_dates.items(), key=lambda kv: order.get(kv[0], 99))
        if code != screening_visit
    )
    withdrawal = None
    if subject.withdrawal_date is not None:
        reason = subject.withdrawal_reason or "not given"
        withdrawal = Withdrawal(date=subject.withdrawal_date, reason=reason)
    return Casebook(
        site=subject.site,
        screening=Screening(
            date=subject.visit_dates[screening_visit],
            planned_first_infusion=subject.planned_first_infusion,
            forms=forms.get(screening_visit, {}),
        ),
        enrolment=Enrolment(first_infusion=subject.first_infusion)
        if subject.first_infusion
        else None,
        visits=visits,
        logs=tuple(log for _, _, log in sorted(logs, key=lambda t: (t[0], t[1]))),
        withdrawal=withdrawal,
    )


def _casebook_data(spec: FormSpec, values: Mapping[str, Any]) -> dict[str, Any]:
    if spec.instrument != "labs":
        return dict(values)
    results: dict[str, Any] = {}
    for test in spec.lab_tests:
        if f"{test.code}.value" in values:
            results[test.code] = {
                "value": values[f"{test.code}.value"],
                "unit": test.unit,
                "lln": values.get(f"{test.code}.lln"),
                "uln": values.get(f"{test.code}.uln"),
            }
    return results


def import_casebooks(
    factory: sessionmaker[Session],
    *,
    protocol: Protocol,
    actor: Actor,
    casebooks: Mapping[str, Casebook],
    now: datetime | None = None,
) -> Iterator[tuple[str, str | None, str | None]]:
    """Import each casebook in its own transaction, like ``psotrial import``.

    Yields ``(source key, new participant ID or screening number, error)``; a refused
    participant writes nothing and the others go in. A key that already names a
    participant of the database is refused, so importing a file twice adds nobody twice.
    """
    for key, casebook in casebooks.items():
        stamp = now or datetime.now(UTC)
        try:
            # One audit INSERT per casebook, as `psotrial import` (same events, same chain).
            with transaction(factory) as session, batched_events(session):
                if session.scalar(
                    select(Participant.id).where(
                        or_(
                            Participant.participant_code == key, Participant.screening_number == key
                        )
                    )
                ):
                    raise StateError(f"{key} is already in this database (imported before?)")
                participant = import_casebook(
                    session, protocol=protocol, actor=actor, casebook=casebook, now=stamp
                )
                label = participant.participant_code or participant.screening_number
            yield key, label, None
        except (PsotrialError, ValueError) as exc:
            yield key, None, " ".join(str(exc).split())


def record_export(
    session: Session, *, actor: Actor, fmt: str, files: Sequence[str], rows: int, now: datetime
) -> None:
    """Audit an export as ``export records`` does: one event on the study, in this transaction."""
    study = get_study(session)
    change = Change(
        "export", "study", str(study.id), new={"format": fmt, "files": list(files), "rows": rows}
    )
    append_events(session, actor=actor.username, at=now, changes=[change])
