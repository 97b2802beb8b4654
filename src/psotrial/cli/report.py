"""``psotrial report --out DIR``: the study report (report.html and report.pdf) from the database.

Reads the configured database (``PSOTRIAL_DATABASE_URL``) like ``psotrial export adam``:
captured data -> SDTM -> ADaM -> analysis -> figures -> HTML -> PDF, showing each step on
stderr (rich) since the whole takes several seconds. The export is recorded as an audit
event (kind ``report``) in the same transaction, and each file appears atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from psotrial.capture.actors import SYSTEM
from psotrial.cli._db import open_database, study_protocol

__all__ = ["report"]

Out = Annotated[Path, typer.Option("--out", help="Folder to write into (created if missing).")]
Imputation = Annotated[
    str,
    typer.Option(
        "--imputation", help="Missing PASI responses in ADaM: nri (non-responder) or locf."
    ),
]


@contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from psotrial.reports.build import REPORT_STEPS

    console = Console(stderr=True)
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(REPORT_STEPS[0], total=len(REPORT_STEPS))

        def step(name: str) -> None:
            done = REPORT_STEPS.index(name) if name in REPORT_STEPS else 0
            progress.update(task, description=name, completed=done)

        yield step


def report(out: Out = Path("report"), imputation: Imputation = "nri") -> None:
    """Write the study report: report.html and report.pdf (A4), from the captured data."""
    from psotrial.capture.exports import record_export
    from psotrial.capture.records import atomic_file
    from psotrial.db.engine import transaction
    from psotrial.reports.build import build_report, check_report_imputation, load_report_data

    check_report_imputation(imputation)
    now = datetime.now(UTC)
    with open_database() as opened, _progress() as step:
        _, protocol = study_protocol(opened.factory)
        with transaction(opened.factory) as session:
            data = load_report_data(session, protocol, imputation=imputation, now=now, on_step=step)
            built = build_report(data, on_step=step)
            out.mkdir(parents=True, exist_ok=True)
            paths = [out / "report.html", out / "report.pdf"]
            record_export(session, actor=SYSTEM, kind="report", paths=paths, fmt="html+pdf")
            with atomic_file(paths[0]) as handle:
                handle.write(built.html.encode("utf-8"))
            with atomic_file(paths[1]) as handle:
                handle.write(built.pdf or b"")
    mark = " (SYNTHETIC)" if built.synthetic else ""
    typer.echo(
        f"wrote report.html ({len(built.html.encode('utf-8')) // 1024} KiB) and report.pdf "
        f"({len(built.pdf or b'') // 1024} KiB) to {out}{mark}; data cut {built.data_cut}, "
        f"analysed datasets SHA-256 {built.digest}"
    )
