"""``psotrial export-records``, ``psotrial backup FILE``, ``psotrial restore FILE``.

Each command works on the database of ``PSOTRIAL_DATABASE_URL``, prints one line, and
leaves an audit event: the export in its own transaction, the backup after the snapshot it
read, the restore after it committed. Until logins exist, the commands act as ``system``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from psotrial.capture.actors import SYSTEM
from psotrial.capture.backup import backup_database, record_backup, restore_database
from psotrial.capture.records import FORMATS
from psotrial.capture.records import export_records as write_records
from psotrial.cli._db import open_database, study_protocol
from psotrial.db.engine import transaction

__all__ = ["backup", "export_records", "restore"]

BackupFile = Annotated[Path, typer.Argument(help="Backup file (gzip-compressed JSON Lines).")]


def export_records(
    fmt: Annotated[
        str, typer.Option("--format", help=f"File format: {' or '.join(FORMATS)}.")
    ] = "csv",
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("export"),
) -> None:
    """Export every form's entries, one file per form, into a folder."""
    with open_database() as opened:
        _, protocol = study_protocol(opened.factory)
        with transaction(opened.factory) as session:
            paths = write_records(session, protocol=protocol, actor=SYSTEM, out_dir=out, fmt=fmt)
    typer.echo(f"exported {len(paths)} {fmt} files to {out}")


def backup(file: BackupFile) -> None:
    """Back up the whole database to a portable file (restorable on any backend)."""
    with open_database() as opened:
        # A read transaction of its own: one snapshot, and writers are not held up.
        with opened.factory() as session, session.begin():
            summary = backup_database(session, actor=SYSTEM, path=file)
        with transaction(opened.factory) as session:
            record_backup(session, actor=SYSTEM, summary=summary)
    rows = sum(summary.tables.values())
    typer.echo(f"backed up {rows} rows of {len(summary.tables)} tables to {file}")


def restore(file: BackupFile) -> None:
    """Restore a backup into an empty, migrated database (its audit chain verified first)."""
    with open_database() as opened:
        summary = restore_database(opened.factory, path=file, actor_name=SYSTEM.username)
    rows = sum(summary.tables.values())
    typer.echo(f"restored {rows} rows ({summary.events} audit events verified) from {file}")
