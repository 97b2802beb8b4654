"""``psotrial protocol show|validate|list``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from psotrial.cli._choices import DEFAULT_PROTOCOL
from psotrial.cli._io import console, print_json, print_table
from psotrial.errors import ProtocolError

# The protocol models (pydantic) load when a command runs, not at start-up (issue 7).
if TYPE_CHECKING:
    from psotrial.protocol import Protocol

app = typer.Typer(help="Show, validate and list trial protocols.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@app.command("show")
def show(
    name: Annotated[str, typer.Argument(help="Built-in name or path to a YAML file.")] = (
        DEFAULT_PROTOCOL
    ),
    as_json: JsonFlag = False,
) -> None:
    """Print a protocol: identity, sites, arms, visits, forms, criteria, outcomes."""
    from psotrial.protocol import load_protocol

    protocol = load_protocol(name)
    if as_json:
        print_json(describe_protocol(protocol))
        return
    print_summary(protocol)


@app.command("validate")
def validate(
    file: Annotated[str, typer.Argument(help="Protocol YAML file to check.")],
) -> None:
    """Report every problem of a protocol file at once; exit 1 when there is any."""
    from psotrial.protocol import load_protocol

    try:
        protocol = load_protocol(file)
    except ProtocolError as exc:
        for path, message in exc.problems:
            typer.echo(f"{exc.source}: {path}: {message}" if path else f"{exc.source}: {message}")
        typer.echo(f"{len(exc.problems)} problem(s) found", err=True)
        raise typer.Exit(1) from None
    typer.echo(
        f"{file}: valid ({protocol.identity.registry_id}: {len(protocol.visits)} visits, "
        f"{len(protocol.forms)} forms, {len(protocol.criteria)} criteria, "
        f"{len(protocol.outcomes)} outcomes)"
    )


@app.command("list")
def list_builtin() -> None:
    """List the built-in protocols."""
    from psotrial.protocol import list_protocols

    for name in list_protocols():
        typer.echo(name)


def describe_protocol(protocol: Protocol) -> dict[str, Any]:
    """The JSON shape of ``protocol show --json``."""
    dump = protocol.model_dump(by_alias=True, exclude_none=True)
    dump["sites"] = [{"code": site.code, "name": site.name} for site in protocol.sites]
    return {
        key: dump[key]
        for key in (
            "identity",
            "sites",
            "epochs",
            "arms",
            "visits",
            "forms",
            "criteria",
            "outcomes",
            "settings",
        )
    }


def print_summary(protocol: Protocol) -> None:
    """Readable summary: identity, arm and dosing, visits, criteria, outcomes."""
    identity = protocol.identity
    console.print(f"[bold]{identity.registry_id}[/bold] {identity.title}")
    console.print(
        f"{identity.phase}; {identity.design}; {identity.masking}; "
        f"target enrolment {identity.target_enrollment}"
    )
    console.print(f"Sponsor: {identity.sponsor}")
    for site in protocol.sites:
        console.print(f"Site {site.code}: {site.name}, {site.city} ({site.timezone})")
    for arm in protocol.arms:
        dosing = arm.dosing
        console.print(
            f"Arm {arm.code} ({arm.type}): {dosing.product}, {dosing.cells_per_kg:,} cells/kg "
            f"{dosing.route} at {', '.join(arm.infusion_visits)}"
        )
    infusions = {code for arm in protocol.arms for code in arm.infusion_visits}
    print_table(
        "Visits (study day: Day 1 = first infusion, no day 0)",
        ["visit", "name", "epoch", "day", "window", "infusion", "forms"],
        [
            (
                v.code,
                v.name,
                v.epoch,
                v.day,
                f"{v.first_day}..{v.last_day}",
                "yes" if v.code in infusions else "",
                len(v.forms),
            )
            for v in protocol.visits
        ],
    )
    print_table(
        "Eligibility criteria",
        ["id", "kind", "decided by", "text"],
        [
            (c.id, c.kind, _decided_by(c.rule is not None, c.investigator_confirms), _short(c.text))
            for c in protocol.criteria
        ],
    )
    print_table(
        "Registered outcomes",
        ["id", "kind", "title", "time frame"],
        [(o.id, o.kind, o.title, o.time_frame) for o in protocol.outcomes],
    )


def _decided_by(has_rule: bool, confirms: bool) -> str:
    parts = (["rule"] if has_rule else []) + (["investigator"] if confirms else [])
    return " + ".join(parts)


def _short(text: str, width: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
