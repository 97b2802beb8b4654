"""``psotrial schedule`` and ``psotrial dose``: a participant's calendar and cells per infusion."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from psotrial.cli._choices import DEFAULT_PROTOCOL
from psotrial.cli._io import console, print_json, print_table
from psotrial.cli.score import JsonFlag
from psotrial.errors import FieldError

# The protocol and the calendar load when a command runs, not at start-up (issue 7).

ProtocolOption = Annotated[str, typer.Option("--protocol", help="Protocol name or YAML file.")]
ArmOption = Annotated[
    str | None, typer.Option("--arm", help="Arm code (needed when the protocol has several).")
]


def schedule(
    first_infusion: Annotated[
        str,
        typer.Option("--first-infusion", help="Date of the first infusion (Day 1), YYYY-MM-DD."),
    ],
    weight_kg: Annotated[
        str | None, typer.Option("--weight-kg", help="Add the planned cells to infusion visits.")
    ] = None,
    protocol_name: ProtocolOption = DEFAULT_PROTOCOL,
    arm: ArmOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Every visit's target date and window from the first-infusion date."""
    from psotrial.protocol import load_protocol
    from psotrial.schedule import build_schedule, plan_dose

    protocol = load_protocol(protocol_name)
    day1 = _parse_date(first_infusion, "--first-infusion")
    visits = build_schedule(protocol, day1, arm)
    plan = plan_dose(protocol, weight_kg, arm) if weight_kg is not None else None
    rows = []
    for visit in visits:
        entry = visit.to_dict()
        if plan is not None and visit.infusion is not None:
            entry["planned_cells"] = plan.cells_per_infusion
        rows.append(entry)
    if as_json:
        print_json({"first_infusion": day1, "visits": rows})
        return
    print_table(
        f"{protocol.identity.registry_id} schedule, Day 1 = {day1}",
        ["visit", "name", "day", "target", "window", "infusion", "planned cells"],
        [
            (
                r["code"],
                r["name"],
                r["day"],
                r["target"],
                f"{r['earliest']}..{r['latest']}",
                r["infusion"],
                f"{r['planned_cells']:,}" if "planned_cells" in r else "",
            )
            for r in rows
        ],
    )


def dose(
    weight_kg: Annotated[str, typer.Option("--weight-kg", help="Body weight in kg.")],
    protocol_name: ProtocolOption = DEFAULT_PROTOCOL,
    arm: ArmOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Cells per infusion from the body weight (cells/kg x kg)."""
    from psotrial.protocol import load_protocol
    from psotrial.schedule import plan_dose

    plan = plan_dose(load_protocol(protocol_name), weight_kg, arm)
    if as_json:
        print_json(plan.to_dict())
        return
    console.print(
        f"{plan.weight_kg} kg x {plan.cells_per_kg:,} cells/kg = "
        f"{plan.cells_per_infusion:,} cells per infusion "
        f"({plan.cells_per_infusion / 1e8:.3g} x 10^8) at {', '.join(plan.infusions)}; "
        f"{plan.total_cells:,} cells in total"
    )


def _parse_date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(option, f"expected a date as YYYY-MM-DD, got {text!r}") from None
