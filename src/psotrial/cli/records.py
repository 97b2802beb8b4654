"""``psotrial export-records``, ``psotrial backup FILE``, ``psotrial restore FILE``.

Each command works on the database of ``PSOTRIAL_DATABASE_URL``, prints one line, and
leaves an audit event: the export in its own transaction, the backup after the snapshot it
read, the restore after it committed. Until logins exist, the commands act as ``system``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from psotrial.capture.actors import SYSTEM
from psotrial.cli._choices import DEFAULT_MAX_SHIFT_DAYS, RECORD_FORMATS
from psotrial.cli._db import Opened, open_database, study_protocol
from psotrial.errors import ConfigError

# The capture services, SQLAlchemy and the settings load inside each command, not when
# `psotrial --help` lists the commands (issue 7: start-up time).
if TYPE_CHECKING:
    from psotrial.capture.deidentify import DateShift

__all__ = ["ShiftDates", "ShiftDays", "backup", "date_shift_for", "export_records", "restore"]

BackupFile = Annotated[Path, typer.Argument(help="Backup file (gzip-compressed JSON Lines).")]
ShiftDates = Annotated[
    bool,
    typer.Option(
        "--shift-dates",
        help="Move every date of each participant by a per-participant number of days "
        "(from an HMAC of the participant ID with PSOTRIAL_SECRET_KEY), for external sharing.",
    ),
]
ShiftDays = Annotated[
    int, typer.Option("--shift-days", min=1, max=3650, help="Largest shift, in days.")
]


def date_shift_for(opened: Opened, shift_dates: bool, shift_days: int) -> DateShift | None:
    """The date shift asked for, keyed by the server's secret.

    Raises:
        ConfigError: a real study with the demo key, which anyone can use to undo the shift.
    """
    from psotrial.capture.deidentify import DateShift
    from psotrial.capture.study import get_study
    from psotrial.settings import DEMO_SECRET_KEY

    if not shift_dates:
        return None
    with opened.factory() as session:
        synthetic = get_study(session).synthetic
    if opened.settings.secret_key == DEMO_SECRET_KEY and not synthetic:
        raise ConfigError(
            "--shift-dates needs PSOTRIAL_SECRET_KEY set to the study's own secret: with the "
            "demo key anyone could undo the shift"
        )
    return DateShift(opened.settings.secret_key, shift_days)


def export_records(
    fmt: Annotated[
        str, typer.Option("--format", help=f"File format: {' or '.join(RECORD_FORMATS)}.")
    ] = "csv",
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("export"),
    shift_dates: ShiftDates = False,
    shift_days: ShiftDays = DEFAULT_MAX_SHIFT_DAYS,
) -> None:
    """Export every form's entries, one file per form, into a folder (identifiers
    generalised, free text masked; ``--shift-dates`` for external sharing)."""
    from psotrial.capture.records import export_records as write_records
    from psotrial.db.engine import transaction

    with open_database() as opened:
        _, protocol = study_protocol(opened.factory)
        shift = date_shift_for(opened, shift_dates, shift_days)
        with transaction(opened.factory) as session:
            paths = write_records(
                session, protocol=protocol, actor=SYSTEM, out_dir=out, fmt=fmt, date_shift=shift
            )
    typer.echo(f"exported {len(paths)} {fmt} files to {out}")


def backup(file: BackupFile) -> None:
    """Back up the whole database to a portable file (restorable on any backend)."""
    from psotrial.capture.backup import backup_database, record_backup
    from psotrial.db.engine import transaction

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
    from psotrial.capture.backup import restore_database

    with open_database() as opened:
        summary = restore_database(opened.factory, path=file, actor_name=SYSTEM.username)
    rows = sum(summary.tables.values())
    typer.echo(f"restored {rows} rows ({summary.events} audit events verified) from {file}")
