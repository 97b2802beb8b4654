"""The read service: everything captured for one study, as polars frames.

One SELECT per table (study, site, participant, visit, form entry, criterion verdict), with
no ORM objects and no per-participant loops; rows stream into column lists, and each form
entry's JSON is parsed once with :func:`psotrial.jsoncodec.loads_exact` (exact decimals) and
flattened into the long ``items``/``scores`` frames. The result is the input of
:func:`psotrial.sdtm.build_sdtm`, which never opens the database.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.db.models import CriterionVerdict, FormEntry, Participant, Site, Study, Visit
from psotrial.errors import NotFoundError
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import Protocol
from psotrial.sdtm.source import CAPTURED_SCHEMAS, Captured, flatten_values

__all__ = ["load_captured"]

_BATCH = 5_000


def load_captured(
    session: Session, protocol: Protocol, *, data_cut: date | None = None
) -> Captured:
    """Load the captured data of the protocol's study into a :class:`Captured`.

    Args:
        session: an open session (reads only).
        protocol: the study's protocol; its registry ID selects the study.
        data_cut: the date the snapshot stands for; by default the date of the latest
            form entry change (a snapshot of what was entered, whatever today is).

    Raises:
        NotFoundError: the database holds no study with the protocol's registry ID.
    """
    registry_id = protocol.identity.registry_id
    study_row = session.execute(
        select(Study.id, Study.registry_id, Study.protocol, Study.title, Study.synthetic).where(
            Study.registry_id == registry_id
        )
    ).first()
    if study_row is None:
        known = session.scalars(select(Study.registry_id))
        raise NotFoundError("study", registry_id, known)
    study_id = study_row[0]
    study = _frame("study", [study_row[1:]])
    sites = _frame(
        "sites",
        session.execute(
            select(Site.code, Site.name, Site.timezone)
            .where(Site.study_id == study_id)
            .order_by(Site.code)
        ).all(),
    )
    in_study = select(Participant.id).where(Participant.study_id == study_id)
    participants = _frame(
        "participants",
        session.execute(
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
            .where(Participant.study_id == study_id)
            .order_by(Participant.id)
        ).all(),
    )
    visits = _frame(
        "visits",
        session.execute(
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
        ).all(),
    )
    verdicts = _frame(
        "verdicts",
        session.execute(
            select(
                CriterionVerdict.participant_id,
                CriterionVerdict.criterion_id,
                CriterionVerdict.status,
                CriterionVerdict.reason,
            )
            .where(CriterionVerdict.participant_id.in_(in_study))
            .order_by(CriterionVerdict.participant_id, CriterionVerdict.criterion_id)
        ).all(),
    )
    entries, items, scores = _entries(session, in_study)
    if data_cut is None:
        latest = entries.get_column("updated_at").max()
        data_cut = (
            latest.date() if isinstance(latest, datetime) else _latest_status_date(participants)
        )
    return Captured(
        study=study,
        sites=sites,
        participants=participants,
        visits=visits,
        entries=entries,
        items=items,
        scores=scores,
        verdicts=verdicts,
        data_cut=data_cut,
    )


def _latest_status_date(participants: pl.DataFrame) -> date:
    """The latest participant status date: the data cut of a study with no entries yet."""
    latest = participants.get_column("status_date").max()
    return latest if isinstance(latest, date) else date.min


def _entries(session: Session, in_study: Any) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    entry_columns: dict[str, list[Any]] = {name: [] for name in CAPTURED_SCHEMAS["entries"]}
    item_ids: list[int] = []
    item_paths: list[str] = []
    item_values: list[str | None] = []
    score_ids: list[int] = []
    score_names: list[str] = []
    score_values: list[str | None] = []
    result = session.execute(
        select(
            FormEntry.id,
            FormEntry.participant_id,
            FormEntry.visit_code,
            FormEntry.form_code,
            FormEntry.repeat_index,
            FormEntry.status,
            FormEntry.version,
            FormEntry.updated_at,
            FormEntry.data,
            FormEntry.scores,
        )
        .where(FormEntry.participant_id.in_(in_study))
        .order_by(FormEntry.id)
        .execution_options(yield_per=_BATCH)
    )
    names = tuple(CAPTURED_SCHEMAS["entries"])
    for row in result:
        for name, value in zip(names, row[:8], strict=True):
            entry_columns[name].append(value)
        entry_id = row[0]
        for path, value in flatten_values(loads_exact(row[8])):
            item_ids.append(entry_id)
            item_paths.append(path)
            item_values.append(value)
        for path, value in flatten_values(loads_exact(row[9])):
            score_ids.append(entry_id)
            score_names.append(path)
            score_values.append(value)
    entries = pl.DataFrame(entry_columns, schema=dict(CAPTURED_SCHEMAS["entries"]))
    items = pl.DataFrame(
        {"entry_id": item_ids, "item": item_paths, "value": item_values},
        schema=dict(CAPTURED_SCHEMAS["items"]),
    )
    scores = pl.DataFrame(
        {"entry_id": score_ids, "name": score_names, "value": score_values},
        schema=dict(CAPTURED_SCHEMAS["scores"]),
    )
    return entries, items, scores


def _frame(name: str, rows: Any) -> pl.DataFrame:
    schema = CAPTURED_SCHEMAS[name]
    columns: dict[str, list[Any]] = {column: [] for column in schema}
    for row in rows:
        for column, value in zip(schema, row, strict=True):
            columns[column].append(value)
    return pl.DataFrame(columns, schema=dict(schema))
