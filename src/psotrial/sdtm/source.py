"""What was captured, as polars frames: the one input of the SDTM builders (PURE).

:func:`psotrial.capture.extract.load_captured` fills a :class:`Captured` from the database
in set-based queries; tests build one from literal rows with :func:`build_captured`. The
frames are typed by :data:`CAPTURED_SCHEMAS`:

``study`` (one row)
    ``registry_id``, ``protocol``, ``title``, ``synthetic`` (bool).
``sites``
    ``site_code``, ``site_name``, ``timezone`` (IANA name, e.g. ``Asia/Shanghai``).
``participants`` (one row per registered candidate)
    ``participant_id`` (the database id), ``site_code``, ``screening_number``,
    ``participant_code`` (null until enrolled), ``status``, ``status_date``,
    ``status_reason``, ``screening_date``, ``planned_first_infusion``, ``first_infusion``.
``visits`` (one row per recorded visit)
    ``participant_id``, ``visit_code``, ``target_date``, ``earliest_date``,
    ``latest_date``, ``actual_date``, ``window_status``.
``entries`` (one row per form entry)
    ``entry_id`` (``form_entry.id``: the key the audit trail uses as ``entity_id``),
    ``participant_id``, ``visit_code``, ``form_code``, ``repeat_index``, ``status``
    (draft/complete/verified/signed/locked), ``version``, ``updated_at``.
``items`` (one row per answer of an entry)
    ``entry_id``, ``item`` (dotted path: ``head.erythema``, ``ALT.value``), ``value``:
    the stored JSON scalar as text (strings as they are, numbers in exact decimal
    notation such as ``16.25``, booleans ``true``/``false``); a stored ``null`` is a null
    ``value`` on a row that exists (answered "never"), an unanswered item has no row.
``scores`` (one row per score of an entry, same shape as ``items``)
    ``entry_id``, ``name`` (dotted: ``pasi``, ``subscales.leisure``), ``value``.
``verdicts`` (one row per eligibility criterion judged)
    ``participant_id``, ``criterion_id``, ``status`` (``met``/``not_met``...), ``reason``.

``data_cut`` is the date the snapshot stands for (passed in, never read from a clock).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from psotrial.errors import MissingVariablesError
from psotrial.jsoncodec import dumps_canonical
from psotrial.sdtm.values import EntryValues, LongValues

__all__ = [
    "CAPTURED_SCHEMAS",
    "Captured",
    "build_captured",
    "flatten_values",
    "render_value",
]

CAPTURED_SCHEMAS: Mapping[str, Mapping[str, pl.DataType]] = {
    "study": {
        "registry_id": pl.String(),
        "protocol": pl.String(),
        "title": pl.String(),
        "synthetic": pl.Boolean(),
    },
    "sites": {"site_code": pl.String(), "site_name": pl.String(), "timezone": pl.String()},
    "participants": {
        "participant_id": pl.Int64(),
        "site_code": pl.String(),
        "screening_number": pl.String(),
        "participant_code": pl.String(),
        "status": pl.String(),
        "status_date": pl.Date(),
        "status_reason": pl.String(),
        "screening_date": pl.Date(),
        "planned_first_infusion": pl.Date(),
        "first_infusion": pl.Date(),
    },
    "visits": {
        "participant_id": pl.Int64(),
        "visit_code": pl.String(),
        "target_date": pl.Date(),
        "earliest_date": pl.Date(),
        "latest_date": pl.Date(),
        "actual_date": pl.Date(),
        "window_status": pl.String(),
    },
    "entries": {
        "entry_id": pl.Int64(),
        "participant_id": pl.Int64(),
        "visit_code": pl.String(),
        "form_code": pl.String(),
        "repeat_index": pl.Int64(),
        "status": pl.String(),
        "version": pl.Int64(),
        "updated_at": pl.Datetime("us", "UTC"),
    },
    "items": {"entry_id": pl.Int64(), "item": pl.String(), "value": pl.String()},
    "scores": {"entry_id": pl.Int64(), "name": pl.String(), "value": pl.String()},
    "verdicts": {
        "participant_id": pl.Int64(),
        "criterion_id": pl.String(),
        "status": pl.String(),
        "reason": pl.String(),
    },
}


@dataclass(frozen=True, init=False)
class Captured:
    """The captured trial as typed frames (see the module docstring for every column).

    Construction checks every frame has its columns and casts them to
    :data:`CAPTURED_SCHEMAS`; extra columns are dropped. ``items`` and ``scores`` are
    given as the long frames, or as :class:`~psotrial.sdtm.values.EntryValues` (what
    :func:`~psotrial.capture.extract.load_captured` decodes: the long frames are then
    built only when read).

    Raises:
        MissingVariablesError: a frame lacks a column.
    """

    study: pl.DataFrame
    sites: pl.DataFrame
    participants: pl.DataFrame
    visits: pl.DataFrame
    entries: pl.DataFrame
    item_values: EntryValues
    score_values: EntryValues
    verdicts: pl.DataFrame
    data_cut: date

    def __init__(
        self,
        *,
        study: pl.DataFrame,
        sites: pl.DataFrame,
        participants: pl.DataFrame,
        visits: pl.DataFrame,
        entries: pl.DataFrame,
        items: pl.DataFrame | EntryValues,
        scores: pl.DataFrame | EntryValues,
        verdicts: pl.DataFrame,
        data_cut: date,
    ) -> None:
        given = {
            "study": study,
            "sites": sites,
            "participants": participants,
            "visits": visits,
            "entries": entries,
            "items": items,
            "scores": scores,
            "verdicts": verdicts,
        }
        for name, schema in CAPTURED_SCHEMAS.items():
            frame = given[name]
            if not isinstance(frame, pl.DataFrame):
                continue
            missing = [column for column in schema if column not in frame.columns]
            if missing:
                raise MissingVariablesError([f"{name}.{column}" for column in missing])
            given[name] = frame.select(
                pl.col(column).cast(dtype, strict=True) for column, dtype in schema.items()
            )
        for name in ("study", "sites", "participants", "visits", "entries", "verdicts"):
            object.__setattr__(self, name, given[name])
        for name, field, key in (
            ("items", "item_values", "item"),
            ("scores", "score_values", "name"),
        ):
            values = given[name]
            held = LongValues(values, key) if isinstance(values, pl.DataFrame) else values
            object.__setattr__(self, field, held)
        object.__setattr__(self, "data_cut", data_cut)

    @property
    def items(self) -> pl.DataFrame:
        """The ``items`` frame (entry_id, item, value)."""
        return self.item_values.long()

    @property
    def scores(self) -> pl.DataFrame:
        """The ``scores`` frame (entry_id, name, value)."""
        return self.score_values.long()


def render_value(value: Any) -> str | None:
    """A stored JSON scalar as text: exact decimals, ``true``/``false``, None for null.

    Example:
        >>> [render_value(v) for v in (Decimal("16.25"), 3, True, "no", None)]
        ['16.25', '3', 'true', 'no', None]
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | str):
        return str(value)
    return dumps_canonical(value)


def flatten_values(values: Mapping[str, Any], prefix: str = "") -> Iterable[tuple[str, str | None]]:
    """Yield ``(dotted path, rendered value)`` for every scalar of a nested mapping.

    Example:
        >>> list(flatten_values({"ALT": {"value": 18, "uln": Decimal("40")}, "q1": 3}))
        [('ALT.value', '18'), ('ALT.uln', '40'), ('q1', '3')]
    """
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flatten_values(value, f"{path}.")
        else:
            yield path, render_value(value)


def build_captured(
    *,
    participants: Sequence[Mapping[str, Any]],
    visits: Sequence[Mapping[str, Any]] = (),
    entries: Sequence[Mapping[str, Any]] = (),
    verdicts: Sequence[Mapping[str, Any]] = (),
    sites: Sequence[Mapping[str, Any]] = (
        {"site_code": "GZ01", "site_name": "Site (synthetic)", "timezone": "Asia/Shanghai"},
    ),
    study: Mapping[str, Any] | None = None,
    data_cut: date,
) -> Captured:
    """A :class:`Captured` from literal rows; entries carry ``data`` and ``scores`` dicts.

    Missing columns of a row are null, and entry rows default to ``repeat_index`` 0,
    status ``complete`` and version 1, so tests state only what they are about.

    Example:
        >>> captured = build_captured(
        ...     participants=[{"participant_id": 1, "site_code": "GZ01",
        ...                    "screening_number": "GZ01-S001", "status": "screening",
        ...                    "status_date": date(2026, 1, 5),
        ...                    "screening_date": date(2026, 1, 5)}],
        ...     entries=[{"entry_id": 9, "participant_id": 1, "visit_code": "SCR",
        ...               "form_code": "itch", "data": {"vas_mm": 62}}],
        ...     data_cut=date(2026, 2, 1))
        >>> captured.items.rows()
        [(9, 'vas_mm', '62')]
    """
    entry_rows = []
    item_rows: dict[str, list[Any]] = {"entry_id": [], "item": [], "value": []}
    score_rows: dict[str, list[Any]] = {"entry_id": [], "name": [], "value": []}
    for entry in entries:
        row: dict[str, Any] = {"repeat_index": 0, "status": "complete", "version": 1}
        row |= entry
        for path, value in flatten_values(row.pop("data", None) or {}):
            item_rows["entry_id"].append(row["entry_id"])
            item_rows["item"].append(path)
            item_rows["value"].append(value)
        for path, value in flatten_values(row.pop("scores", None) or {}):
            score_rows["entry_id"].append(row["entry_id"])
            score_rows["name"].append(path)
            score_rows["value"].append(value)
        entry_rows.append(row)
    study_row = {
        "registry_id": "NCT03745417",
        "protocol": "nct03745417",
        "title": "Synthetic study",
        "synthetic": True,
    } | dict(study or {})
    return Captured(
        study=_frame("study", [study_row]),
        sites=_frame("sites", sites),
        participants=_frame("participants", participants),
        visits=_frame("visits", visits),
        entries=_frame("entries", entry_rows),
        items=pl.DataFrame(item_rows, schema=dict(CAPTURED_SCHEMAS["items"])),
        scores=pl.DataFrame(score_rows, schema=dict(CAPTURED_SCHEMAS["scores"])),
        verdicts=_frame("verdicts", verdicts),
        data_cut=data_cut,
    )


def _frame(name: str, rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    schema = CAPTURED_SCHEMAS[name]
    columns = {column: [row.get(column) for row in rows] for column in schema}
    return pl.DataFrame(columns, schema=dict(schema))
