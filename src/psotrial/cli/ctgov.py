"""``psotrial export ctgov --out FILE``: registry results (ClinicalTrials.gov resultsSection).

Reads the configured database like ``psotrial report`` and computes the same analysis
(captured data -> SDTM -> ADaM -> analysis), so the registry results and the study report
carry the same numbers; the steps show on stderr since they take a few seconds. The export
is recorded as an audit event (kind ``ctgov``) in the same transaction, and the file
appears atomically.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from psotrial.capture.actors import SYSTEM
from psotrial.cli._db import open_database, study_protocol

__all__ = ["export_ctgov"]

Out = Annotated[Path, typer.Option("--out", help="JSON file to write (its folder is created).")]
Imputation = Annotated[
    str,
    typer.Option(
        "--imputation", help="Missing PASI responses in ADaM: nri (non-responder) or locf."
    ),
]
_WRITING = "Writing the registry results"


@contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from psotrial.reports.build import REPORT_STEPS

    steps = [*REPORT_STEPS[:4], _WRITING]
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task(steps[0], total=len(steps))

        def step(name: str) -> None:
            progress.update(task, description=name, completed=steps.index(name))

        yield step


def export_ctgov(out: Out = Path("ctgov-results.json"), imputation: Imputation = "nri") -> None:
    """Write the registry results (ClinicalTrials.gov API v2 resultsSection) as JSON."""
    from psotrial.capture.exports import record_export
    from psotrial.capture.records import atomic_file
    from psotrial.db.engine import transaction
    from psotrial.reports.build import load_report_data
    from psotrial.reports.ctgov import build_ctgov_results

    with open_database() as opened, _progress() as step:
        _, protocol = study_protocol(opened.factory)
        with transaction(opened.factory) as session:
            data = load_report_data(
                session, protocol, imputation=imputation, now=datetime.now(UTC), on_step=step
            )
            step(_WRITING)
            results = build_ctgov_results(data.analysis, protocol)
            text = json.dumps(results, indent=2, ensure_ascii=False) + "\n"
            out.parent.mkdir(parents=True, exist_ok=True)
            record_export(session, actor=SYSTEM, kind="ctgov", paths=[out], fmt="json")
            with atomic_file(out) as handle:
                handle.write(text.encode("utf-8"))
    section = results["resultsSection"]
    outcomes = len(section["outcomeMeasuresModule"]["outcomeMeasures"])
    started = section["participantFlowModule"]["periods"][0]["milestones"][0]
    events = len(section["adverseEventsModule"]["seriousEvents"]) + len(
        section["adverseEventsModule"]["otherEvents"]
    )
    mark = " (SYNTHETIC)" if data.synthetic else ""
    typer.echo(
        f"wrote {out}{mark}: {started['achievements'][0]['numSubjects']} participants started, "
        f"{outcomes} outcome measures in the registry's order, {events} adverse event terms; "
        f"data cut {data.analysis.data_cut}"
    )
