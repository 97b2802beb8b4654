"""The read service: everything captured for one study, as polars frames.

One SELECT per table (study, site, participant, visit, form entry, criterion verdict), with
no ORM objects and no per-participant loops; rows stream into column lists, and each form
entry's JSON is parsed once with :func:`psotrial.jsoncodec.loads_exact` (exact decimals) and
flattened into the long ``items``/``scores`` frames. The result is the input of
:func:`psotrial.sdtm.build_sdtm`, which never opens the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, String, func, select, type_coerce
from sqlalchemy.orm import Session

from psotrial.db.models import CriterionVerdict, FormEntry, Participant, Site, Study, Visit
from psotrial.errors import NotFoundError
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import Protocol
from psotrial.sdtm.source import CAPTURED_SCHEMAS, Captured, flatten_values
from psotrial.sdtm.values import LONG_SCHEMA, DecodedBatch, DecodedForm, DecodedValues

__all__ = ["load_captured", "load_data_cut", "load_participants"]

_BATCH = 50_000


def load_captured(
    session: Session,
    protocol: Protocol,
    *,
    data_cut: date | None = None,
    participants: Sequence[int] | None = None,
) -> Captured:
    """Load the captured data of the protocol's study into a :class:`Captured`.

    Args:
        session: an open session (reads only).
        protocol: the study's protocol; its registry ID selects the study.
        data_cut: the date the snapshot stands for; by default the date of the latest
            form entry change (a snapshot of what was entered, whatever today is).
        participants: read only these participants (by id) and what belongs to them: the
            frames are those of the whole study filtered to them, rows in the same order.
            The default data cut is still the whole study's (:func:`load_data_cut`).

    Raises:
        NotFoundError: the database holds no study with the protocol's registry ID.
    """
    study_id, study = _study(session, protocol)
    sites = _frame(
        "sites",
        session.connection()
        .execute(
            select(Site.code, Site.name, Site.timezone)
            .where(Site.study_id == study_id)
            .order_by(Site.code)
        )
        .all(),
    )
    chosen = None if participants is None else [int(p) for p in participants]
    in_study: Any = select(Participant.id).where(Participant.study_id == study_id)
    if chosen is not None:
        in_study = chosen
    participants_frame = _participants(session, study_id, chosen)
    visits = _frame(
        "visits",
        session.connection()
        .execute(
            select(
                Visit.participant_id,
                Visit.visit_code,
                Visit.target_date,
                Visit.earliest_date,
                Visit.latest_date,
                Visit.actual_date,
                Visit.window_status,
            )
            .where(Visit.participant_id.in_(in_study))
            .order_by(Visit.participant_id, Visit.id)
        )
        .all(),
    )
    verdicts = _frame(
        "verdicts",
        session.connection()
        .execute(
            select(
                CriterionVerdict.participant_id,
                CriterionVerdict.criterion_id,
                CriterionVerdict.status,
                CriterionVerdict.reason,
            )
            .where(CriterionVerdict.participant_id.in_(in_study))
            .order_by(CriterionVerdict.participant_id, CriterionVerdict.criterion_id)
        )
        .all(),
    )
    entries, items, scores = _entries(session, in_study)
    if data_cut is None and participants is not None:
        data_cut = load_data_cut(session, protocol)
    elif data_cut is None:
        latest = entries.get_column("updated_at").max()
        data_cut = (
            latest.date()
            if isinstance(latest, datetime)
            else _latest_status_date(participants_frame)
        )
    return Captured(
        study=study,
        sites=sites,
        participants=participants_frame,
        visits=visits,
        entries=entries,
        items=items,
        scores=scores,
        verdicts=verdicts,
        data_cut=data_cut,
    )


def load_participants(session: Session, protocol: Protocol) -> pl.DataFrame:
    """The study's participants: the ``participants`` frame of :func:`load_captured`."""
    study_id, _ = _study(session, protocol)
    return _participants(session, study_id, None)


def load_data_cut(session: Session, protocol: Protocol) -> date:
    """The default data cut of :func:`load_captured`, for the whole study, in one query:
    the (UTC) date of the latest form entry change, else the latest participant status
    date (a study with no entries yet)."""
    study_id, _ = _study(session, protocol)
    in_study = select(Participant.id).where(Participant.study_id == study_id)
    latest = session.execute(
        select(func.max(FormEntry.updated_at)).where(FormEntry.participant_id.in_(in_study))
    ).scalar_one_or_none()
    if isinstance(latest, datetime):
        return latest.date()
    status = session.execute(
        select(func.max(Participant.status_date)).where(Participant.study_id == study_id)
    ).scalar_one_or_none()
    return status if isinstance(status, date) else date.min


def _study(session: Session, protocol: Protocol) -> tuple[int, pl.DataFrame]:
    registry_id = protocol.identity.registry_id
    study_row = session.execute(
        select(Study.id, Study.registry_id, Study.protocol, Study.title, Study.synthetic).where(
            Study.registry_id == registry_id
        )
    ).first()
    if study_row is None:
        known = session.scalars(select(Study.registry_id))
        raise NotFoundError("study", registry_id, known)
    return int(study_row[0]), _frame("study", [study_row[1:]])


def _participants(session: Session, study_id: int, chosen: list[int] | None) -> pl.DataFrame:
    where = [Participant.study_id == study_id]
    if chosen is not None:
        where.append(Participant.id.in_(chosen))
    return _frame(
        "participants",
        session.connection()
        .execute(
            select(
                Participant.id,
                Site.code,
                Participant.screening_number,
                Participant.participant_code,
                Participant.status,
                Participant.status_date,
                Participant.status_reason,
                Participant.screening_date,
                Participant.planned_first_infusion,
                Participant.first_infusion,
            )
            .join(Site, Site.id == Participant.site_id)
            .where(*where)
            .order_by(Participant.id)
        )
        .all(),
    )


def _latest_status_date(participants: pl.DataFrame) -> date:
    """The latest participant status date: the data cut of a study with no entries yet."""
    latest = participants.get_column("status_date").max()
    return latest if isinstance(latest, date) else date.min


def _entries(session: Session, in_study: Any) -> tuple[pl.DataFrame, DecodedValues, DecodedValues]:
    schema = dict(CAPTURED_SCHEMAS["entries"])
    # Core, not ORM, rows; streamed in batches that become frames at once, so the Python
    # objects of one batch at a time are alive (the peak memory of a large study).
    connection = session.connection()
    # SQLite keeps timestamps as text, which polars parses at once (not one Python
    # datetime per entry); other databases return them typed.
    as_text = connection.dialect.name == "sqlite"
    statement = (
        select(
            FormEntry.id,
            FormEntry.participant_id,
            FormEntry.visit_code,
            FormEntry.form_code,
            FormEntry.repeat_index,
            FormEntry.status,
            FormEntry.version,
            type_coerce(FormEntry.updated_at, String) if as_text else FormEntry.updated_at,
            FormEntry.data,
            FormEntry.scores,
        )
        .where(FormEntry.participant_id.in_(in_study))
        .order_by(FormEntry.id)
    )
    batch_schema = schema | {"data": pl.String(), "scores": pl.String()}
    if as_text:
        batch_schema["updated_at"] = pl.String()
    entries: list[pl.DataFrame] = []
    items: list[tuple[pl.Series, pl.Series, pl.Series]] = []
    scores: list[tuple[pl.Series, pl.Series, pl.Series]] = []
    for rows in _partitions(connection, statement):
        batch = pl.DataFrame(rows, schema=batch_schema, orient="row")
        if as_text:  # SQLAlchemy's SQLite format, e.g. 2026-09-01 09:00:00.000000 (UTC)
            batch = batch.with_columns(
                pl.col("updated_at").str.to_datetime(
                    "%Y-%m-%d %H:%M:%S%.f", time_unit="us", time_zone="UTC"
                )
            )
        entries.append(batch.select(list(schema)))
        ids, forms = batch.get_column("entry_id"), batch.get_column("form_code")
        items.append((ids, forms, batch.get_column("data")))
        scores.append((ids, forms, batch.get_column("scores")))
    return (
        pl.concat(entries) if entries else pl.DataFrame(schema=schema),
        _stored_values(items, "item"),
        _stored_values(scores, "name"),
    )


def _partitions(connection: Connection, statement: Any) -> Iterator[Sequence[Any]]:
    """The rows of ``statement`` in batches of :data:`_BATCH`."""
    if connection.dialect.name != "sqlite":
        result = connection.execute(statement.execution_options(yield_per=_BATCH))
        yield from result.partitions(_BATCH)
        return
    # On SQLite, through the driver's cursor in the session's transaction: building
    # SQLAlchemy rows cost ~40% on top of the driver's fetch, and these columns (integers,
    # text, timestamps read as text) have no result processing to skip.
    compiled = statement.compile(
        dialect=connection.dialect, compile_kwargs={"render_postcompile": True}
    )
    parameters = tuple(compiled.params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), parameters)
        while rows := cursor.fetchmany(_BATCH):
            yield rows
    finally:
        cursor.close()


# Stored JSON is canonical (jsoncodec.dumps_canonical): sorted keys, no spaces. Rewritten
# so that every scalar is a JSON string holding its stored text (a number's own digits, so
# exact; "true"/"false"; a stored null as "\u0000", which no stored string can hold
# unescaped), polars decodes it with one schema per form and no float ever appears.
_FLAT_ARRAY = r'":(\[[^\[\]"{}]*\])'  # an array of numbers, booleans or nulls: its text
_SCALAR = r'":(-?[0-9][0-9.eE+-]*|true|false)([,}])'
_NULL = r'":null([,}])'
# Anything else takes the per-entry path: escapes, arrays of strings or objects, exponent
# numbers (rendered 0.00001, not 1e-05) and -0 (rendered 0), empty nested objects, and text
# that is not an object (which that path refuses as before).
_SLOW = r'\\|[\[,]-0[\],]|\[[^\]]*["\[{]|":-?[0-9][0-9.]*[eE]|":-0[,}]|.\{\}|^[^{]'
_NULL_MARK = "\x00"


def _flatten_json(ids: pl.Series, forms: pl.Series, texts: pl.Series, key: str) -> pl.DataFrame:
    """The long ``(entry_id, key, value)`` rows of each entry's JSON, as flatten_values
    gives them, in entry order and, within an entry, in stored key order."""
    return _stored_values([(ids, forms, texts)], key).long()


def _stored_values(
    batches: Sequence[tuple[pl.Series, pl.Series, pl.Series]], key: str
) -> DecodedValues:
    """The entries' stored JSON (entry ids, form codes and texts, in batches), each form
    decoded by :func:`_decode_form` when first read."""
    frames = [
        pl.DataFrame({"entry_id": ids, "form": forms, "text": texts}).with_row_index("row")
        for ids, forms, texts in batches
    ]
    return DecodedValues(frames, key, _decode_form)


def _decode_form(texts: pl.DataFrame, key: str) -> DecodedBatch:
    """One form's entries (``row``, ``entry_id``, ``text``) decoded into one wide frame
    (a column per leaf), and the long rows of those the rewrite cannot represent."""
    slow = texts.get_column("text").str.contains(_SLOW)
    fast = texts.filter(~slow).with_columns(
        pl.col("text")
        .str.replace_all(_FLAT_ARRAY, '":"${1}"')
        .str.replace_all(_SCALAR, '":"${1}"${2}')
        .str.replace_all(_NULL, '":"\\u0000"${1}')
    )
    if fast.is_empty():
        return DecodedBatch((), _flatten_slow(texts, key))
    try:
        decoded = _decode(fast.get_column("text"))
    except pl.exceptions.PolarsError:  # shapes that differ between entries of one form
        return DecodedBatch((), _flatten_slow(texts, key))
    columns: list[tuple[tuple[str, ...], pl.Expr]] = []
    _leaves(pl.col("json"), decoded.dtype, (), columns)
    wide = (
        fast.select("row", "entry_id")
        .with_columns(decoded.alias("json"))
        .select("row", "entry_id", *(expr.alias(f"c{i}") for i, (_, expr) in enumerate(columns)))
    )
    form = DecodedForm(wide, tuple(path for path, _ in columns))
    return DecodedBatch((form,), _flatten_slow(texts.filter(slow), key))


_SAMPLE = 64


def _decode(texts: pl.Series) -> pl.Series:
    """``json_decode`` of rewritten texts with the schema polars infers from all of them.

    Inferring reads every text once more (two thirds of the decoding); the entries of a
    form nearly always share their keys, so the schema is inferred from the first few and
    kept only if no entry has a key outside it: after the rewrite, ``":`` ends every key
    and nothing else (a value holds no unescaped quote), so each entry's count of ``":``
    must equal its count of decoded (non-null) fields, at every level.
    """
    if texts.len() > _SAMPLE:
        try:
            dtype = texts.head(_SAMPLE).str.json_decode(infer_schema_length=None).dtype
            decoded = texts.str.json_decode(dtype)
        except pl.exceptions.PolarsError:
            return texts.str.json_decode(infer_schema_length=None)
        fields: list[pl.Expr] = []
        _fields(pl.col("json"), decoded.dtype, fields)
        keys = texts.str.count_matches('":', literal=True).cast(pl.Int64)
        found = pl.DataFrame({"json": decoded}).select(
            pl.sum_horizontal(pl.lit(0, pl.Int64), *(f.is_not_null() for f in fields))
        )
        if keys.equals(found.to_series(), check_names=False, check_dtypes=False):
            return decoded
    return texts.str.json_decode(infer_schema_length=None)


def _fields(expr: pl.Expr, dtype: Any, out: list[pl.Expr]) -> None:
    """Every field of a struct, nested ones included."""
    for field in dtype.fields if isinstance(dtype, pl.Struct) else ():
        child = expr.struct.field(field.name)
        out.append(child)
        _fields(child, field.dtype, out)


def _leaves(
    expr: pl.Expr,
    dtype: Any,
    path: tuple[str, ...],
    out: list[tuple[tuple[str, ...], pl.Expr]],
) -> None:
    if isinstance(dtype, pl.Struct):
        for field in dtype.fields:
            _leaves(expr.struct.field(field.name), field.dtype, (*path, field.name), out)
    elif path:
        out.append((path, expr.cast(pl.String)))


def _flatten_slow(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    rows: list[int] = []
    ranks: list[int] = []
    entry_ids: list[int] = []
    paths: list[str] = []
    values: list[str | None] = []
    for row, entry_id, text in frame.select("row", "entry_id", "text").iter_rows():
        for rank, (path, value) in enumerate(flatten_values(loads_exact(text))):
            rows.append(row)
            ranks.append(rank)
            entry_ids.append(entry_id)
            paths.append(path)
            values.append(value)
    return pl.DataFrame(
        {"row": rows, "rank": ranks, "entry_id": entry_ids, key: paths, "value": values},
        schema=LONG_SCHEMA | {key: pl.String()},
    ).select("row", "rank", "entry_id", key, "value")


def _frame(name: str, rows: Any) -> pl.DataFrame:
    schema = dict(CAPTURED_SCHEMAS[name])
    rows = list(rows)
    # The rows of one SELECT share its columns: the first row's width is every row's.
    # polars reads SQLAlchemy rows as they are (no tuple copy of each).
    if rows and len(rows[0]) != len(schema):
        raise ValueError(f"{name}: rows do not have the {len(schema)} columns {list(schema)}")
    return pl.DataFrame(rows, schema=schema, orient="row")
