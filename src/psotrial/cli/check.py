"""``psotrial check sdtm|adam DIR``: our own conformance rules over exported datasets.

Reads every ``.xpt``, ``.parquet`` and ``.csv`` file of DIR, runs the SDTM or ADaM rules
(:mod:`psotrial.conformance`) against the dataset specs and the vendored CDISC CT
2025-03-28, and prints one row per finding. Exit status: 1 when any error-level finding
remains, 0 otherwise (warnings alone pass), 2 when DIR is missing or holds no datasets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from psotrial.cli._io import print_json, print_table
from psotrial.errors import DataEntryError

# The rules, polars and pandas (XPT) load when a command runs, not at start-up (issue 7).
if TYPE_CHECKING:
    import polars as pl

    from psotrial.conformance import Finding
    from psotrial.sdtm.metadata import DatasetSpec
    from psotrial.sdtm.terminology import Terminology

    Checker = Callable[
        [Mapping[str, pl.DataFrame], Mapping[str, DatasetSpec], Terminology], list[Finding]
    ]

__all__ = ["adam", "app", "describe_findings", "sdtm"]

app = typer.Typer(
    help="Check SDTM or ADaM dataset files against psotrial's conformance rules.",
    no_args_is_help=True,
)

Directory = Annotated[
    Path, typer.Argument(help="Folder of dataset files (.xpt, .parquet or .csv).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("sdtm")
def sdtm(directory: Directory, as_json: JsonFlag = False) -> None:
    """Check SDTM datasets (dm.xpt, ae.xpt, ...): SD rules, exit 1 on any error."""
    from psotrial.conformance import check_sdtm
    from psotrial.sdtm import SDTM_SPECS

    _run("SDTM", directory, _by_name(SDTM_SPECS), check_sdtm, as_json)


@app.command("adam")
def adam(directory: Directory, as_json: JsonFlag = False) -> None:
    """Check ADaM datasets (adsl.xpt, adpasi.xpt, ...): AD rules, exit 1 on any error."""
    from psotrial.adam import ADAM_SPECS
    from psotrial.conformance import check_adam

    _run("ADaM", directory, _by_name(ADAM_SPECS), check_adam, as_json)


def describe_findings(standard: str, findings: list[Finding], datasets: int) -> dict[str, Any]:
    """The JSON shape of ``check sdtm|adam --json``: counts and every finding."""
    errors = sum(f.severity == "error" for f in findings)
    return {
        "standard": standard,
        "datasets": datasets,
        "errors": errors,
        "warnings": len(findings) - errors,
        "findings": [
            {
                "rule_id": f.rule_id,
                "severity": f.severity,
                "dataset": f.dataset,
                "variable": f.variable,
                "record": f.record,
                "message": f.message,
            }
            for f in findings
        ],
    }


def _by_name(specs: Any) -> dict[str, DatasetSpec]:
    # The builders publish their specs as a mapping or as a sequence of DatasetSpec.
    if isinstance(specs, Mapping):
        return dict(specs)
    return {spec.name: spec for spec in specs}


def _run(
    standard: str,
    directory: Path,
    specs: Mapping[str, DatasetSpec],
    checker: Checker,
    as_json: bool,
) -> None:
    from psotrial.exchange.datasets import read_datasets
    from psotrial.exchange.terminology import load_terminology

    frames = read_datasets(directory, specs=specs)
    if not frames:
        raise DataEntryError(f"{directory}: no dataset files (.xpt, .parquet or .csv) to check")
    findings = checker(frames, specs, load_terminology())
    summary = describe_findings(standard, findings, len(frames))
    if as_json:
        print_json(summary)
    else:
        if findings:
            print_table(
                f"{standard} conformance findings ({directory})",
                ["rule", "severity", "dataset", "variable", "record", "message"],
                [
                    [f.rule_id, f.severity, f.dataset, f.variable, f.record, f.message]
                    for f in findings
                ],
            )
        typer.echo(
            f"{standard}: {len(frames)} datasets checked, {summary['errors']} errors, "
            f"{summary['warnings']} warnings"
        )
    if summary["errors"]:
        raise typer.Exit(1)
