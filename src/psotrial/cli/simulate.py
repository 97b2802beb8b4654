"""``psotrial simulate cohort``: a synthetic cohort as JSON Lines, one casebook per line."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from psotrial.cli._choices import DEFAULT_PROTOCOL, DEFAULT_START, SCENARIO_NAMES
from psotrial.cli._io import to_json
from psotrial.errors import DataEntryError, FieldError

app = typer.Typer(
    help="Synthetic data: virtual participants as casebooks (everything SYNTHETIC).",
    no_args_is_help=True,
)


@app.callback()
def simulate() -> None:
    """Synthetic data: virtual participants as casebooks (everything SYNTHETIC)."""
    # A callback keeps ``cohort`` a subcommand even when this app runs on its own.


@app.command("cohort")
def cohort(
    n: Annotated[int, typer.Option("--n", min=0, help="Candidates screened.")],
    scenario: Annotated[
        str, typer.Option("--scenario", help=f"Response scenario: {', '.join(SCENARIO_NAMES)}.")
    ] = "msc",
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same cohort.")] = 0,
    start: Annotated[
        str, typer.Option("--start", help="First screening date, YYYY-MM-DD.")
    ] = DEFAULT_START.isoformat(),
    data_cut: Annotated[
        str | None,
        typer.Option("--data-cut", help="Drop everything dated after this day, YYYY-MM-DD."),
    ] = None,
    protocol_name: Annotated[
        str, typer.Option("--protocol", help="Protocol name or YAML file.")
    ] = DEFAULT_PROTOCOL,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write JSON Lines here (default: stdout).")
    ] = None,
) -> None:
    """Screen N synthetic candidates and follow the enrolled ones; one casebook per line."""
    # The protocol and the simulator load when the command runs, not at start-up (issue 7).
    from psotrial.protocol import load_protocol
    from psotrial.simulate import simulate_cohort

    protocol = load_protocol(protocol_name)
    casebooks = simulate_cohort(
        protocol,
        n=n,
        scenario=scenario,
        seed=seed,
        start=_parse_date(start, "--start"),
        data_cut=None if data_cut is None else _parse_date(data_cut, "--data-cut"),
    )
    lines = "".join(
        json.dumps(to_json(casebook.model_dump()), ensure_ascii=False) + "\n"
        for casebook in casebooks
    )
    if out is None:
        sys.stdout.write(lines)
        return
    try:
        out.write_text(lines, encoding="utf-8")
    except OSError as exc:
        raise DataEntryError(f"cannot write {out}: {exc}") from None


def _parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FieldError(option, f"expected a date as YYYY-MM-DD, got {value!r}") from None
