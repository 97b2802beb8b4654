"""REDCap exchange: a data dictionary, events and a flat records file, and the way back.

A site moving from REDCap comes over with its flat CSV export; a site going to REDCap
uploads the files ``psotrial export redcap`` writes:

- ``data_dictionary.csv``: the standard 18 columns. One instrument per protocol form plus
  ``participant`` (``record_id`` first, then status, first infusion, withdrawal) and
  ``visit`` (the date the visit was done, in every event). Field names are
  ``<form>_<item>`` in lower case with dots as underscores (``pasi_head_erythema``); the
  psotrial item each field holds is in its Field Annotation (``psotrial:item=pasi.head.erythema``),
  so the dictionary reads back into the protocol's items exactly.
- ``events.csv`` (event_name = visit code, so REDCap names the event ``w0_arm_1``),
  ``instrument_event_mapping.csv`` (arm_num, unique_event_name, form) and
  ``repeating_instruments.csv`` (the adverse event and medication logs).
- ``records.csv``: REDCap's flat "raw" export: one row per record x event, and one per
  instance of a repeating instrument, with raw codes, ``1``/``0`` for yes/no, ISO dates
  and date-times in the site's local time (REDCap keeps no offset). The site is the data
  access group.

Items map to field types as: integer -> text + ``integer``; decimal -> text + ``number``;
date -> ``date_ymd``; date-time -> ``datetime_seconds_ymd``; choice -> radio; boolean ->
yesno; text -> text. Units go in the Field Note (``Unit: kg``), ranges in the validation
min/max, laboratory reference limits as ``@DEFAULT`` prefills, and DLQI item 7b is shown
only when 7a is "no" (domain.md section 3). Identifying items are flagged ``Identifier?``
and leave generalised (:mod:`psotrial.exchange.casebooks`). REDCap has no "null" apart
from blank: on the way in, a blank field is null where the item may be null or is not
required, and missing otherwise. Values are written exactly, without the spreadsheet
guard of ``export records`` (an apostrophe would change the data).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from psotrial.capture.actors import Actor, require
from psotrial.capture.records import atomic_file
from psotrial.casebook import Casebook
from psotrial.errors import DataEntryError, FieldError, ProtocolError
from psotrial.exchange.casebooks import (
    IDENTIFYING_ITEMS,
    PARTICIPANT_FORM,
    VISIT_FORM,
    ExchangeData,
    ExchangeForm,
    ExchangeItem,
    FormRecord,
    SubjectRecord,
    exchange_forms,
    format_value,
    load_exchange,
    parse_value,
    record_export,
    to_casebook,
)
from psotrial.protocol import Choice, Protocol

__all__ = [
    "DICTIONARY_COLUMNS",
    "RECORD_ID",
    "build_instrument_event_mapping",
    "build_redcap_dictionary",
    "build_redcap_events",
    "build_redcap_export",
    "build_repeating_instruments",
    "export_redcap",
    "field_name",
    "read_redcap_dictionary",
    "read_redcap_export",
    "unique_event_name",
]

DICTIONARY_COLUMNS = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)
RECORD_ID = "record_id"
_ID_COLUMNS = (
    RECORD_ID,
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_data_access_group",
)
_VALIDATION = {"integer": "integer", "decimal": "number", "date": "date_ymd",
               "datetime": "datetime_seconds_ymd"}  # fmt: skip
_TYPES = {validation: kind for kind, validation in _VALIDATION.items()}
_NAME = re.compile(r"[a-z][a-z0-9_]{0,99}")
_YES_NO = ("1", "0")
_LOCAL_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class _Field:
    name: str
    instrument: str
    form: ExchangeForm
    item: ExchangeItem


def instrument_name(form: str) -> str:
    """The REDCap instrument of an exchanged form (``psotrial.visit`` is ``visit``)."""
    return form.removeprefix("psotrial.")


def field_name(form: str, key: str) -> str:
    """The REDCap field name of an item: lower case, dots as underscores.

    Example:
        >>> field_name("pasi", "head.erythema"), field_name("labs", "CA.lln")
        ('pasi_head_erythema', 'labs_ca_lln')
    """
    return f"{instrument_name(form)}_{key.replace('.', '_')}".lower()


def unique_event_name(visit: str, arm: int = 1) -> str:
    """REDCap's unique event name of a visit whose event is named by its code.

    Example:
        >>> unique_event_name("W0")
        'w0_arm_1'
    """
    return f"{visit.lower()}_arm_{arm}"


def _fields(protocol: Protocol) -> list[_Field]:
    """Every field in dictionary order; names are checked valid and unique."""
    fields: list[_Field] = []
    for form in exchange_forms(protocol):
        instrument = instrument_name(form.code)
        for item in form.items:
            fields.append(_Field(field_name(form.code, item.key), instrument, form, item))
    names = [RECORD_ID] + [f.name for f in fields]
    instruments = [instrument_name(form.code) for form in exchange_forms(protocol)]
    problems = [
        (name, "not a REDCap field name ([a-z][a-z0-9_]*, at most 100 characters)")
        for name in names
        if not _NAME.fullmatch(name)
    ]
    problems += [(name, "used twice") for name in sorted({n for n in names if names.count(n) > 1})]
    problems += [
        (name, "instrument used twice")
        for name in sorted({n for n in instruments if instruments.count(n) > 1})
    ]
    if problems:
        raise ProtocolError(f"REDCap dictionary of {protocol.identity.registry_id}", problems)
    return fields


# --- The data dictionary and the events ------------------------------------------------


def build_redcap_dictionary(protocol: Protocol) -> str:
    """The REDCap data dictionary (CSV, the 18 standard columns) of the protocol's forms.

    Raises:
        ProtocolError: two items map to the same field name, or a name is not valid.
    """
    fields = _fields(protocol)
    rows: list[dict[str, str]] = [
        {
            "Variable / Field Name": RECORD_ID,
            "Form Name": instrument_name(PARTICIPANT_FORM),
            "Field Type": "text",
            "Field Label": "Participant ID (the screening number if never enrolled)",
        }
    ]
    dlqi = {spec.code for spec in protocol.forms if spec.instrument == "dlqi"}
    for field in fields:
        item = field.item
        row = {
            "Variable / Field Name": field.name,
            "Form Name": field.instrument,
            "Field Label": item.label,
            "Field Note": f"Unit: {item.unit}" if item.unit else "",
            "Identifier?": "y" if (field.form.code, item.key) in IDENTIFYING_ITEMS else "",
            "Required Field?": "y" if item.required else "",
        }
        if item.type == "choice":
            row["Field Type"] = "radio"
            row["Choices, Calculations, OR Slider Labels"] = " | ".join(
                f"{choice.code}, {choice.label}" for choice in item.choices
            )
        elif item.type == "boolean":
            row["Field Type"] = "yesno"
        else:
            row["Field Type"] = "text"
            row["Text Validation Type OR Show Slider Number"] = _VALIDATION.get(item.type, "")
        if item.type == "datetime":
            row["Field Note"] = "Site local time"
        for bound, column in ((item.min, "Text Validation Min"), (item.max, "Text Validation Max")):
            if bound is not None:
                row[column] = format(bound, "f")
        if field.form.code in dlqi and item.key == "q7b":
            # DLQI item 7 (domain.md section 3): 7b is asked only when 7a is "No".
            row["Branching Logic (Show field only if...)"] = (
                f"[{field_name(field.form.code, 'q7a')}] = 'no'"
            )
        annotation = [f"psotrial:item={field.form.code}.{item.key}"]
        if item.nullable:
            annotation.append("psotrial:nullable")
        if item.default is not None:
            annotation.append(f"@DEFAULT='{format(item.default, 'f')}'")
        row["Field Annotation"] = " ".join(annotation)
        rows.append(row)
    return _csv(DICTIONARY_COLUMNS, rows)


def read_redcap_dictionary(csv_text: str) -> dict[str, tuple[ExchangeItem, ...]]:
    """The items a dictionary written by :func:`build_redcap_dictionary` defines, by form.

    Raises:
        DataEntryError: a column is missing or a field has no psotrial annotation.
    """
    reader = csv.DictReader(io.StringIO(csv_text))
    missing = [c for c in DICTIONARY_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise DataEntryError(f"the data dictionary lacks columns: {', '.join(missing)}")
    forms: dict[str, list[ExchangeItem]] = {}
    for row in reader:
        name = row["Variable / Field Name"]
        if name == RECORD_ID:
            continue
        tokens = row["Field Annotation"].split()
        target = next((t.removeprefix("psotrial:item=") for t in tokens
                       if t.startswith("psotrial:item=")), None)  # fmt: skip
        if target is None:
            raise DataEntryError(f"field {name}: no psotrial:item= in its Field Annotation")
        form, key = _split_target(target)
        kind = row["Field Type"]
        item_type: Any = {"radio": "choice", "yesno": "boolean"}.get(kind) or _TYPES.get(
            row["Text Validation Type OR Show Slider Number"], "text"
        )
        note = row["Field Note"]
        default = next((t[10:-1] for t in tokens if t.startswith("@DEFAULT='")), None)
        forms.setdefault(form, []).append(
            ExchangeItem(
                key=key,
                label=row["Field Label"],
                type=item_type,
                unit=note.removeprefix("Unit: ") if note.startswith("Unit: ") else None,
                min=_decimal(row["Text Validation Min"]),
                max=_decimal(row["Text Validation Max"]),
                required=row["Required Field?"] == "y",
                nullable="psotrial:nullable" in tokens,
                choices=_choices(row["Choices, Calculations, OR Slider Labels"]),
                default=_decimal(default or ""),
            )
        )
    return {form: tuple(items) for form, items in forms.items()}


def _split_target(target: str) -> tuple[str, str]:
    if target.startswith("psotrial."):
        form, _, key = target[len("psotrial.") :].partition(".")
        return f"psotrial.{form}", key
    form, _, key = target.partition(".")
    return form, key


def _decimal(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def _choices(text: str) -> tuple[Choice, ...]:
    choices = []
    for part in text.split(" | ") if text else ():
        code, _, label = part.partition(", ")
        choices.append(Choice(code=int(code) if code.isdigit() else code, label=label))
    return tuple(choices)


def build_redcap_events(protocol: Protocol) -> str:
    """REDCap events (one arm): named by visit code, offset by the study day and window."""
    rows = [
        {
            "event_name": visit.code,
            "arm_num": "1",
            "day_offset": str(visit.day),
            "offset_min": str(visit.window_before),
            "offset_max": str(visit.window_after),
            "unique_event_name": unique_event_name(visit.code),
            "custom_event_label": visit.name,
        }
        for visit in protocol.visits
    ]
    columns = ("event_name", "arm_num", "day_offset", "offset_min", "offset_max",
               "unique_event_name", "custom_event_label")  # fmt: skip
    return _csv(columns, rows)


def build_instrument_event_mapping(protocol: Protocol) -> str:
    """Which instruments each event collects (arm_num, unique_event_name, form)."""
    rows = [
        {"arm_num": "1", "unique_event_name": unique_event_name(visit.code), "form": form}
        for visit in protocol.visits
        for form in _event_instruments(protocol, visit.code)
    ]
    return _csv(("arm_num", "unique_event_name", "form"), rows)


def build_repeating_instruments(protocol: Protocol) -> str:
    """The repeating instruments per event (event_name, form_name, custom_form_label)."""
    rows = [
        {
            "event_name": unique_event_name(visit.code),
            "form_name": form,
            "custom_form_label": "",
        }
        for visit in protocol.visits
        for form in _event_instruments(protocol, visit.code)
        if form in {spec.code for spec in protocol.forms if spec.repeating}
    ]
    return _csv(("event_name", "form_name", "custom_form_label"), rows)


def _event_instruments(protocol: Protocol, visit: str) -> list[str]:
    screening = protocol.visits[0].code
    codes = [instrument_name(PARTICIPANT_FORM)] if visit == screening else []
    codes.append(instrument_name(VISIT_FORM))
    codes += list(protocol.visit(visit).forms)
    if visit != screening:
        codes += [f.code for f in protocol.forms if f.any_visit and f.code not in codes]
    return codes


# --- Records ---------------------------------------------------------------------------


def build_redcap_export(source: Session | ExchangeData, protocol: Protocol) -> str:
    """The flat "raw" REDCap export of the data (CSV), as REDCap itself writes it."""
    data = load_exchange(source, protocol) if isinstance(source, Session) else source
    fields = _fields(protocol)
    columns = _record_columns(fields)
    zones = {site.code: ZoneInfo(site.timezone) for site in protocol.sites}
    rows: list[dict[str, str]] = []
    for subject in data.subjects:
        rows += _subject_rows(protocol, fields, subject, zones[subject.site])
    return _csv(columns, rows)


def _record_columns(fields: Sequence[_Field]) -> list[str]:
    columns = list(_ID_COLUMNS)
    instruments: list[str] = []
    for field in fields:
        if field.instrument not in instruments:
            if instruments:
                columns.append(f"{instruments[-1]}_complete")
            instruments.append(field.instrument)
        columns.append(field.name)
    columns.append(f"{instruments[-1]}_complete")
    return columns


def _subject_rows(
    protocol: Protocol, fields: Sequence[_Field], subject: SubjectRecord, zone: ZoneInfo
) -> list[dict[str, str]]:
    by_form: dict[str, list[_Field]] = {}
    for field in fields:
        by_form.setdefault(field.form.code, []).append(field)
    envelope = {
        "status": subject.status,
        "planned_first_infusion": subject.planned_first_infusion,
        "first_infusion": subject.first_infusion,
        "withdrawal_date": subject.withdrawal_date,
        "withdrawal_reason": subject.withdrawal_reason,
    }
    rows = []
    for visit in protocol.visits:
        records = [r for r in subject.forms if r.visit == visit.code]
        on = subject.visit_dates.get(visit.code)
        if on is None and not records:
            continue
        base = {
            RECORD_ID: subject.key,
            "redcap_event_name": unique_event_name(visit.code),
            "redcap_data_access_group": subject.site.lower(),
        }
        row = dict(base)
        if on is not None:
            _fill(row, by_form[VISIT_FORM], {"date": on.isoformat()}, zone)
        if visit.code == protocol.visits[0].code:
            values = {k: v for k, v in envelope.items() if v is not None}
            _fill(row, by_form[PARTICIPANT_FORM], values, zone)
        for record in records:
            if record.repeat == 0:
                _fill(row, by_form[record.form], record.values, zone)
        rows.append(row)
        for record in records:
            if record.repeat > 0:
                repeat = dict(base, redcap_repeat_instrument=record.form)
                repeat["redcap_repeat_instance"] = str(record.repeat)
                _fill(repeat, by_form[record.form], record.values, zone)
                rows.append(repeat)
    return rows


def _fill(
    row: dict[str, str], fields: Sequence[_Field], values: Mapping[str, Any], zone: ZoneInfo
) -> None:
    for field in fields:
        value = values.get(field.item.key)
        if value is None:
            continue
        if field.item.type == "datetime":
            moment = datetime.fromisoformat(str(value)).astimezone(zone)
            row[field.name] = moment.strftime(_LOCAL_FORMAT)
        else:
            row[field.name] = format_value(value, boolean=_YES_NO)
    # Complete (2): psotrial exports only saved forms; REDCap has no "signed" status here.
    row[f"{fields[0].instrument}_complete"] = "2"


def read_redcap_export(csv_text: str, protocol: Protocol) -> dict[str, Casebook]:
    """The casebooks in a REDCap flat CSV export of the project, by record ID.

    Raises:
        DataEntryError: a column that is no field of the project, an unknown event or
            instrument, or a value of the wrong type (each named with record and event).
    """
    fields = _fields(protocol)
    by_name = {field.name: field for field in fields}
    reader = csv.DictReader(io.StringIO(csv_text.removeprefix("\ufeff")))
    columns = list(reader.fieldnames or ())
    known = set(_record_columns(fields))
    unknown = [c for c in columns if c not in known and not c.startswith("redcap_")]
    if RECORD_ID not in columns or "redcap_event_name" not in columns:
        raise DataEntryError("a REDCap export needs the columns record_id and redcap_event_name")
    if unknown:
        raise DataEntryError(
            f"columns that are no field of the {protocol.identity.registry_id} project: "
            + ", ".join(unknown)
        )
    events = {unique_event_name(visit.code): visit.code for visit in protocol.visits}
    forms = {form.code: form for form in exchange_forms(protocol)}
    sites = {site.code.lower(): site.code for site in protocol.sites}
    zones = {site.code: ZoneInfo(site.timezone) for site in protocol.sites}
    subjects: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(reader, start=2):
        key = row[RECORD_ID]
        event = row["redcap_event_name"]
        visit = events.get(event)
        if visit is None:
            raise DataEntryError(f"line {number}: unknown event {event!r}; events are "
                                 + ", ".join(events))  # fmt: skip
        group = (row.get("redcap_data_access_group") or "").lower()
        if group and group not in sites:
            raise DataEntryError(f"line {number}: unknown data access group {group!r}")
        site = sites[group] if group else protocol.sites[0].code
        subject = subjects.setdefault(key, {"site": site, "dates": {}, "envelope": {}, "forms": []})
        where = f"record {key} {event}"
        instrument = row.get("redcap_repeat_instrument") or ""
        if instrument:
            form = forms.get(instrument)
            if form is None or not form.repeating:
                raise DataEntryError(f"{where}: {instrument!r} is not a repeating instrument")
            repeat = int(row.get("redcap_repeat_instance") or "0")
            values = _read_form(row, form, by_name, zones[site], where)
            subject["forms"].append(FormRecord(visit, form.code, repeat, values))
            continue
        for form in forms.values():
            if form.repeating or not _present(row, form):
                continue
            values = _read_form(row, form, by_name, zones[site], where)
            if form.code == VISIT_FORM:
                subject["dates"][visit] = datetime.fromisoformat(values["date"]).date()
            elif form.code == PARTICIPANT_FORM:
                subject["envelope"] = values
            else:
                subject["forms"].append(FormRecord(visit, form.code, 0, values))
    return {key: to_casebook(_subject(key, parts), protocol) for key, parts in subjects.items()}


def _present(row: Mapping[str, str], form: ExchangeForm) -> bool:
    complete = row.get(f"{instrument_name(form.code)}_complete") or ""
    return complete in ("1", "2") or any(
        row.get(field_name(form.code, item.key)) for item in form.items
    )


def _read_form(
    row: Mapping[str, str],
    form: ExchangeForm,
    by_name: Mapping[str, _Field],
    zone: ZoneInfo,
    where: str,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    lab_tests = {item.key.split(".")[0] for item in form.items if item.key.endswith(".value")}
    for item in form.items:
        name = field_name(form.code, item.key)
        text = (row.get(name) or "").strip()
        place = f"{where} {name}"
        if not text:
            test = item.key.split(".")[0]
            if test in lab_tests and not row.get(field_name(form.code, f"{test}.value")):
                continue  # a test not done leaves its limits out too
            if item.nullable or not item.required:
                values[item.key] = None
            continue
        if item.type == "boolean" and text not in _YES_NO:
            raise FieldError(place, f"expected 1 (yes) or 0 (no), got {text!r}")
        if item.type == "datetime":
            values[item.key] = _local_datetime(text, zone, place)
        else:
            values[item.key] = parse_value(by_name[name].item, text, place)
    return values


def _local_datetime(text: str, zone: ZoneInfo, where: str) -> str:
    for pattern in (_LOCAL_FORMAT, "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=zone).isoformat()
        except ValueError:
            continue
    raise FieldError(where, f"expected a date-time as YYYY-MM-DD HH:MM[:SS], got {text!r}")


def _subject(key: str, parts: Mapping[str, Any]) -> SubjectRecord:
    envelope = parts["envelope"]

    def day(name: str) -> Any:
        text = envelope.get(name)
        return None if text is None else datetime.fromisoformat(text).date()

    return SubjectRecord(
        key=key,
        site=parts["site"],
        status=envelope.get("status"),
        planned_first_infusion=day("planned_first_infusion"),
        first_infusion=day("first_infusion"),
        withdrawal_date=day("withdrawal_date"),
        withdrawal_reason=envelope.get("withdrawal_reason"),
        visit_dates=parts["dates"],
        forms=tuple(parts["forms"]),
    )


# --- Files -----------------------------------------------------------------------------


def export_redcap(
    session: Session,
    *,
    protocol: Protocol,
    actor: Actor,
    out_dir: Path,
    now: datetime | None = None,
) -> list[Path]:
    """Write the REDCap project files and the records into ``out_dir``; audit the export.

    Raises:
        PermissionDenied: the actor may not export.
    """
    require(actor, "export")
    now = now or datetime.now(UTC)
    data = load_exchange(session, protocol)
    files = {
        "data_dictionary.csv": build_redcap_dictionary(protocol),
        "events.csv": build_redcap_events(protocol),
        "instrument_event_mapping.csv": build_instrument_event_mapping(protocol),
        "repeating_instruments.csv": build_repeating_instruments(protocol),
        "records.csv": build_redcap_export(data, protocol),
    }
    record_export(
        session, actor=actor, fmt="redcap", files=list(files), rows=len(data.subjects), now=now
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out_dir / name
        with atomic_file(path) as handle:
            handle.write(text.encode("utf-8"))
        written.append(path)
    return written


def _csv(columns: Sequence[str], rows: Sequence[Mapping[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
