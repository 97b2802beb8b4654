"""``psotrial eligibility FILE``: every criterion's verdict for a screening record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import typer

from psotrial.cli._choices import DEFAULT_PROTOCOL
from psotrial.cli._io import console, print_json, print_table, read_json
from psotrial.cli.score import JsonFlag
from psotrial.errors import DataEntryError

# The protocol and the criteria load when the command runs, not at start-up (issue 7).

_STATUS_STYLE = {
    "met": "green",
    "not_met": "red",
    "needs_confirmation": "yellow",
    "cannot_evaluate": "magenta",
}


def eligibility(
    source: Annotated[
        str | None, typer.Argument(help="Screening record (JSON file, or - for stdin).")
    ] = None,
    protocol_name: Annotated[
        str | None,
        typer.Option(
            "--protocol",
            help=f"Protocol name or file (default: the record's, else {DEFAULT_PROTOCOL}).",
        ),
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the record's JSON Schema.")
    ] = False,
    example: Annotated[
        bool, typer.Option("--example", help="Print a complete record of an eligible candidate.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Evaluate a screening record against every inclusion and exclusion criterion."""
    from psotrial.protocol import load_protocol
    from psotrial.screening import evaluate_eligibility, read_screening_record
    from psotrial.screening.schema import build_example_record, build_record_schema

    if schema or example:
        protocol = load_protocol(protocol_name or DEFAULT_PROTOCOL)
        print_json(build_record_schema(protocol) if schema else build_example_record(protocol))
        return
    if source is None:
        raise DataEntryError("give a screening record file (or - for stdin), --schema or --example")
    data = read_json(source)
    named = data.get("protocol") if isinstance(data, Mapping) else None
    protocol = load_protocol(protocol_name or (str(named) if named else DEFAULT_PROTOCOL))
    result = evaluate_eligibility(protocol, read_screening_record(protocol, data))
    if as_json:
        print_json(result.to_dict())
        return
    print_table(
        f"Eligibility for {protocol.identity.registry_id} "
        f"(washouts from the {result.reference.source} {result.reference.on})",
        ["id", "status", "reason"],
        [(c.id, f"[{_STATUS_STYLE[c.status]}]{c.status}[/]", c.reason) for c in result.criteria],
    )
    console.print("[bold green]ELIGIBLE[/]" if result.eligible else "[bold red]NOT ELIGIBLE[/]")
