"""``psotrial analyze pasi``: PASI responder rates of any long PASI dataset (CSV).

A statistician checks our numbers against another trial's: the file has one row per
participant and visit (``USUBJID,ARM,AVISIT,AVAL``; ``NA`` or empty AVAL is missing), and
every value is read as the text it is written in, so the thresholds are decided exactly
(:mod:`psotrial.stats.responders`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from psotrial.cli._io import print_json, print_table
from psotrial.errors import DataEntryError, FieldError
from psotrial.exact import round_half_up

# polars and the statistics (numpy, scipy) load when the command runs, not at start-up.
if TYPE_CHECKING:
    import polars as pl

__all__ = ["app", "pasi", "read_pasi_csv"]

app = typer.Typer(help="Analyse external data (responder rates of any PASI dataset).")


@app.callback(no_args_is_help=True)
def analyze() -> None:
    """Analyse external data (responder rates of any PASI dataset)."""
    # A callback keeps ``pasi`` a subcommand even while it is the group's only command.


@app.command("pasi")
def pasi(
    file: Annotated[Path, typer.Argument(help="Long CSV with columns USUBJID,ARM,AVISIT,AVAL.")],
    baseline_visit: Annotated[
        str, typer.Option("--baseline-visit", help="The AVISIT value of the baseline rows.")
    ] = "BASELINE",
    imputation: Annotated[
        str,
        typer.Option(
            "--imputation",
            help="observed (n = with a value) or nri (missing counts as non-responder).",
        ),
    ] = "observed",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """PASI-50/75/90/100 (count, %, exact 95% CI) and mean improvement, by arm and visit."""
    from psotrial.stats.responders import (
        IMPUTATIONS,
        build_pasi_responders,
        build_responders_json,
    )

    if imputation not in IMPUTATIONS:
        raise FieldError(
            "--imputation", f"expected one of {', '.join(IMPUTATIONS)}, got {imputation!r}"
        )
    dataset = read_pasi_csv(file)
    try:
        results = build_pasi_responders(
            dataset, baseline_visit=baseline_visit, imputation=imputation
        )
    except FieldError as exc:
        raise FieldError(f"{file}: {exc.field}", exc.msg) from None
    summary = build_responders_json(results)
    if as_json:
        print_json(summary)
        return
    _print_summary(summary, file, imputation, baseline_visit)


def read_pasi_csv(path: Path) -> pl.DataFrame:
    """Read a CSV with every column as text, so that each value stays as written.

    Raises:
        DataEntryError: the file cannot be read or is not a well-formed CSV.
    """
    import polars as pl

    try:
        return pl.read_csv(path, infer_schema=False)
    except FileNotFoundError:
        raise DataEntryError(f"{path}: no such file") from None
    except (OSError, pl.exceptions.PolarsError) as exc:
        detail = " ".join(str(exc).split())[:300]
        raise DataEntryError(f"{path}: not a readable CSV file: {detail}") from None


def _print_summary(
    summary: dict[str, Any], file: Path, imputation: str, baseline_visit: str
) -> None:
    from psotrial.stats.responders import PASI_LEVELS

    columns = ["Arm", "Visit", "n", *(f"PASI-{level}" for level in PASI_LEVELS)]
    columns.append("Mean improvement %")
    rows = []
    for arm, visits in summary["arms"].items():
        for visit, cell in visits.items():
            rates = [_rate(cell[f"pasi{level}"]) for level in PASI_LEVELS]
            mean = cell["mean_improvement_pct"]
            rows.append([arm, visit, cell["n"], *rates, "" if mean is None else _num(mean)])
    title = (
        f"{file.name}: PASI responders ({imputation}; baseline {baseline_visit!r}; "
        "count (%) and exact 95% CI)"
    )
    print_table(title, columns, rows)


def _rate(cell: dict[str, Any]) -> str:
    if cell["pct"] is None:
        return "-"
    low, high = cell["ci95"]
    return f"{cell['count']} ({_num(cell['pct'], 1)}%)\n{_num(low, 1)}-{_num(high, 1)}"


def _num(value: float, places: int = 2) -> str:
    return str(round_half_up(Decimal(repr(value)), places))
