"""Form entries as wide frames: one row per entry, one text column per item.

Only entries past draft (complete, verified, signed, locked) reach SDTM: a draft is work in
progress at the site, not data. Each row carries the subject keys, ``visit_date`` (the
visit's actual date) and ``spid`` = ``FE<form_entry.id>``, the --SPID that leads back to the
entry and its audit events (``audit_event.entity = 'form_entry'``, ``entity_id = id``).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from psotrial.sdtm.source import Captured

__all__ = ["SUBMITTED_STATUSES", "select_entries", "select_scores"]

SUBMITTED_STATUSES = ("complete", "verified", "signed", "locked")


def select_entries(
    captured: Captured, subjects: pl.DataFrame, form: str, items: Sequence[str]
) -> pl.DataFrame:
    """Submitted entries of ``form`` with ``items`` as text columns (null when unanswered).

    Args:
        captured: the captured frames.
        subjects: subject keys by ``participant_id`` (at least USUBJID).
        form: the form code.
        items: item paths to pivot into columns, e.g. ``["head.erythema"]``.

    Returns:
        entry_id, participant_id, visit_code, repeat_index, spid, visit_date, the subject
        columns and one column per item, in entry order.
    """
    entries = captured.entries.filter(
        (pl.col("form_code") == form) & pl.col("status").is_in(SUBMITTED_STATUSES)
    ).select("entry_id", "participant_id", "visit_code", "repeat_index")
    wide = captured.item_values.wide(entries, items, forms=[form])
    visits = captured.visits.select("participant_id", "visit_code", pl.col("actual_date"))
    return (
        wide.join(visits, on=["participant_id", "visit_code"], how="left")
        .rename({"actual_date": "visit_date"})
        .join(subjects, on="participant_id", how="inner")
        .with_columns(pl.format("FE{}", pl.col("entry_id")).alias("spid"))
        .sort("entry_id")
    )


def select_scores(captured: Captured, entry_ids: pl.Series, names: Sequence[str]) -> pl.DataFrame:
    """The stored scores ``names`` of the given entries, one text column each, by entry_id."""
    entries = pl.DataFrame({"entry_id": entry_ids}, schema={"entry_id": pl.Int64})
    # Only the forms of these entries are read (decoded) for their scores.
    forms = captured.entries.join(entries, on="entry_id", how="semi").get_column("form_code")
    return captured.score_values.wide(entries, names, forms=forms.unique().to_list())
