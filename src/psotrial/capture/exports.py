"""Exports as audit events: who exported what, when, into which files.

Every file that leaves the system (datasets, Define-XML, flat records) is recorded in the
audit trail in the caller's transaction, the same way :func:`psotrial.capture.records.
export_records` records its own export: one ``export`` event on the study, naming the kind,
the format and the files, never their content.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.study import get_study

__all__ = ["record_export"]


def record_export(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    paths: Sequence[Path],
    fmt: str | None = None,
    rows: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> None:
    """Append one ``export`` audit event for files written by an export.

    Args:
        kind: what was exported (``sdtm``, ``adam``, ``define``).
        paths: the files written; the event keeps their names, not their folder.
        fmt: the file format (``xpt``, ``parquet``, ``csv``, ``xml``).
        rows: records per dataset, when the export is of datasets.
        now: when the export happened (default: now).

    Raises:
        PermissionDenied: the actor may not export.
    """
    require(actor, "export")
    study = get_study(session)
    new: dict[str, object] = {"kind": kind, "files": [path.name for path in paths]}
    if fmt is not None:
        new["format"] = fmt
    if rows is not None:
        new["rows"] = dict(rows)
    change = Change("export", "study", str(study.id), new=new)
    append_events(session, actor=actor.username, at=now or datetime.now(UTC), changes=[change])
