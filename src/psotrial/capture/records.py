"""Export the captured forms as flat files: one CSV or JSON Lines file per form.

Each row is one form entry: ``participant`` (the participant ID, else the screening number),
``site``, ``visit``, ``repeat``, ``status``, ``version``, then one column per item of the
form in protocol order; a laboratory panel has ``TEST_value``, ``TEST_unit``, ``TEST_lln``
and ``TEST_uln`` per test. Values are exactly as stored: decimals as written, dates ISO 8601.
No user names, contact details or audit columns are exported. Identifying items leave as
the ODM and REDCap exports leave them (:data:`psotrial.capture.deidentify.IDENTIFYING_ITEMS`:
the birth date generalised, the investigator's name withheld), and free text is screened and
masked (:func:`psotrial.capture.deidentify.mask_text`: the participant's birth date, phone
numbers, the investigator's and the staff's names); the audit event counts what was masked.
With ``date_shift`` every date of a participant moves by that participant's shift.

In CSV a text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading apostrophe; JSON Lines keeps it as
it is. Every file is written to a temporary name and renamed into place, so a reader never
sees half a file, and the export itself is an audit event in the caller's transaction.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.deidentify import DateShift, load_identifiers, mask_item, shift_iso_date
from psotrial.capture.study import get_study
from psotrial.db.models import FormEntry, Participant, Site
from psotrial.errors import FieldError, StateError
from psotrial.jsoncodec import dumps_canonical, loads_exact, to_json
from psotrial.protocol import FormSpec, Protocol

__all__ = [
    "FORMATS",
    "ID_COLUMNS",
    "LAB_FIELDS",
    "ExportFormat",
    "atomic_file",
    "export_records",
    "form_columns",
]

ExportFormat = Literal["csv", "jsonl"]
FORMATS: tuple[ExportFormat, ...] = ("csv", "jsonl")
ID_COLUMNS = ("participant", "site", "visit", "repeat", "status", "version")
LAB_FIELDS = ("value", "unit", "lln", "uln")
# OWASP "CSV injection": spreadsheets evaluate a cell that starts with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_records(
    session: Session,
    *,
    protocol: Protocol,
    actor: Actor,
    out_dir: Path,
    fmt: str,
    now: datetime | None = None,
    date_shift: DateShift | None = None,
) -> list[Path]:
    """Write one file per form that has data into ``out_dir``; audit the export.

    Rows follow the participant (in order of registration), the visit (in schedule
    order) and the repeat number. A form without entries gets no file.

    Args:
        fmt: ``csv`` or ``jsonl``.
        now: when the export happened (the audit event's time).
        date_shift: move every date of each participant (for external sharing).

    Returns:
        The written files, in protocol form order.

    Raises:
        PermissionDenied: the actor may not export.
        FieldError: ``fmt`` is not one of the formats.
        StateError: stored data names a form or item the protocol does not define.

    Example:
        >>> from psotrial.protocol import load_protocol
        >>> form_columns(load_protocol("nct03745417").form("informed_consent"))
        ('participant', 'site', 'visit', 'repeat', 'status', 'version', 'signed', 'consent_date')
    """
    require(actor, "export")
    if fmt not in FORMATS:
        raise FieldError("format", f"expected one of {', '.join(FORMATS)}, got {fmt!r}")
    now = now or datetime.now(UTC)
    study = get_study(session)
    tables, masked = _read_tables(session, protocol, date_shift)
    files = [f"{code}.{fmt}" for code in tables]
    rows = sum(len(table) for table in tables.values())
    summary: dict[str, Any] = {"format": fmt, "files": files, "rows": rows, "masked": masked}
    if date_shift is not None:
        summary["dates_shifted_up_to_days"] = date_shift.max_days
    change = Change("export", "study", str(study.id), new=summary)
    append_events(session, actor=actor.username, at=now, changes=[change])
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for code, table in tables.items():
        columns = form_columns(protocol.form(code))
        text = _render_csv(columns, table) if fmt == "csv" else _render_jsonl(columns, table)
        path = out_dir / f"{code}.{fmt}"
        with atomic_file(path) as handle:
            handle.write(text.encode("utf-8"))
        written.append(path)
    return written


def form_columns(spec: FormSpec) -> tuple[str, ...]:
    """The export's columns for ``spec``: the identifying columns, then its items."""
    if spec.instrument == "labs":
        items = [f"{test.code}_{field}" for test in spec.lab_tests for field in LAB_FIELDS]
    else:
        items = [item.name for item in spec.items]
    return (*ID_COLUMNS, *items)


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """A binary file that appears at ``path`` only once it is completely written and synced.

    The data goes to a temporary file beside ``path`` (created readable by its owner
    only), which is flushed to disk and then renamed over ``path``; on any error the
    temporary file is removed and ``path`` is left as it was.
    """
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    _sync_directory(path.parent)


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk (POSIX).
    if os.name != "posix":  # pragma: no cover - Windows cannot open a directory
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_tables(
    session: Session, protocol: Protocol, date_shift: DateShift | None
) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """Every entry as an export row, grouped by form in protocol order, and the number of
    identifiers masked in free text."""
    forms = protocol.forms_by_code
    identifiers = load_identifiers(session)
    masked = 0
    visit_order = {visit.code: index for index, visit in enumerate(protocol.visits)}
    query = (
        select(
            FormEntry,
            Participant.participant_code,
            Participant.screening_number,
            Site.code,
        )
        .join(Participant, Participant.id == FormEntry.participant_id)
        .join(Site, Site.id == Participant.site_id)
        .order_by(FormEntry.participant_id, FormEntry.repeat_index, FormEntry.id)
    )
    keyed: dict[str, list[tuple[tuple[int, int, str, int], dict[str, Any]]]] = {}
    for entry, code, screening_number, site in session.execute(query):
        spec = forms.get(entry.form_code)
        if spec is None:
            raise StateError(
                f"form entry {entry.id} is a {entry.form_code!r} form, which protocol "
                f"{protocol.identity.registry_id} does not define; export with the protocol "
                "the data was captured under"
            )
        key = code or screening_number
        values = _item_values(spec, entry)
        known = identifiers[key]
        dated = {i.name for i in spec.items if i.type in ("date", "datetime")}
        shift = date_shift.days_for(key) if date_shift is not None else 0
        for name, value in values.items():
            value, count = mask_item(spec.code, name, value, known)
            masked += count
            if shift and name in dated and isinstance(value, str):
                value = shift_iso_date(value, shift)
            values[name] = value
        row: dict[str, Any] = {
            "participant": key,
            "site": site,
            "visit": entry.visit_code,
            "repeat": entry.repeat_index,
            "status": entry.status,
            "version": entry.version,
            **values,
        }
        order = (
            entry.participant_id,
            visit_order.get(entry.visit_code, len(visit_order)),
            entry.visit_code,
            entry.repeat_index,
        )
        keyed.setdefault(entry.form_code, []).append((order, row))
    tables = {
        code: [row for _, row in sorted(keyed[code], key=lambda pair: pair[0])]
        for code in forms
        if code in keyed
    }
    return tables, masked


def _item_values(spec: FormSpec, entry: FormEntry) -> dict[str, Any]:
    data: dict[str, Any] = loads_exact(entry.data)
    values: dict[str, Any] = {}
    if spec.instrument == "labs":
        known = {test.code for test in spec.lab_tests}
        for test in spec.lab_tests:
            result = data.get(test.code) or {}
            for field in LAB_FIELDS:
                values[f"{test.code}_{field}"] = result.get(field)
    else:
        known = {item.name for item in spec.items}
        for item in spec.items:
            values[item.name] = data.get(item.name)
    unknown = sorted(set(data) - known)
    if unknown:
        raise StateError(
            f"form entry {entry.id} ({entry.form_code} at {entry.visit_code}) holds "
            f"{', '.join(unknown)}, which the protocol's {entry.form_code} form does not "
            "define; export with the protocol the data was captured under"
        )
    return values


def _render_csv(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[column]) for column in columns])
    return buffer.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # 74.9 stays 74.9; never scientific notation
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    return dumps_canonical(value)


def _render_jsonl(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> str:
    return "".join(
        json.dumps({column: to_json(row[column]) for column in columns}, ensure_ascii=False) + "\n"
        for row in rows
    )
