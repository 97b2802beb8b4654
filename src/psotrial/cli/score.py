"""``psotrial score pasi|dlqi|zung|bsa|itch FILE``: one instrument, JSON in, result out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer

from psotrial.cli._io import console, print_json, print_table, read_json
from psotrial.errors import FieldError

# Each instrument loads inside its command, not at start-up (issue 7).

app = typer.Typer(help="Score one instrument from a JSON document.", no_args_is_help=True)

Source = Annotated[str, typer.Argument(help="JSON file, or - for standard input.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def read_object(source: str, keys: tuple[str, ...] | None = None) -> Mapping[str, Any]:
    """Read a JSON object; with ``keys``, refuse any other key."""
    data = read_json(source)
    if not isinstance(data, Mapping):
        raise FieldError("input", f"expected a JSON object, got {type(data).__name__}")
    if keys is not None:
        for key in data:
            if key not in keys:
                raise FieldError(str(key), f"unknown key; expected: {', '.join(keys)}")
    return data


@app.command("pasi")
def pasi(source: Source, as_json: JsonFlag = False) -> None:
    """PASI from region signs (0-4) and area (area_pct 0-100 or area 0-6)."""
    from psotrial.instruments.pasi import compute_pasi

    result = compute_pasi(read_object(source))
    if as_json:
        print_json(result.to_dict())
        return
    print_table(
        f"PASI {result.pasi}",
        ["region", "erythema", "induration", "desquamation", "area %", "area", "score"],
        [
            (name, r.erythema, r.induration, r.desquamation, r.area_pct, r.area, r.score)
            for name, r in result.regions.items()
        ],
    )
    for warning in result.warnings:
        console.print(f"warning: {warning}")


@app.command("dlqi")
def dlqi(source: Source, as_json: JsonFlag = False) -> None:
    """DLQI total, band and subscales (q1-q10 with q7 as q7a/q7b)."""
    from psotrial.instruments.dlqi import compute_dlqi

    result = compute_dlqi(read_object(source))
    if as_json:
        print_json(result.to_dict())
        return
    title = f"DLQI {result.total} ({result.band})" if result.total is not None else "DLQI"
    print_table(title, ["subscale", "score"], list(result.subscales.items()))
    if result.reason:
        console.print(result.reason)


@app.command("zung")
def zung(source: Source, as_json: JsonFlag = False) -> None:
    """Zung SAS or SDS: raw score, exact index (raw x 1.25) and the displayed index."""
    from psotrial.instruments.zung import compute_zung

    data = read_object(source, ("scale", "items"))
    if "items" not in data or not isinstance(data["items"], list):
        raise FieldError("items", "expected a list of 20 answers, each 1-4 as ticked")
    result = compute_zung(str(data.get("scale")), data["items"]).to_dict()
    if as_json:
        print_json(result)
        return
    print_table(
        f"Zung {result['scale']}",
        ["raw", "index", "index shown"],
        [(result["raw"], result["index"], result["index_display"])],
    )
    if result.get("reason"):
        console.print(result["reason"])


@app.command("bsa")
def bsa(source: Source, as_json: JsonFlag = False) -> None:
    """BSA % from palms per region (palm method: one palm = 1%)."""
    from psotrial.instruments.bsa import compute_bsa

    result = compute_bsa(read_object(source))
    if as_json:
        print_json(result.to_dict())
        return
    print_table(
        f"BSA {result.bsa_pct}%",
        ["region", "palms", "% BSA", "% of region", "PASI area"],
        [
            (name, r.palms, r.pct, r.involvement_pct, r.pasi_area)
            for name, r in result.regions.items()
        ],
    )


@app.command("itch")
def itch(source: Source, as_json: JsonFlag = False) -> None:
    """Pruritus VAS (0-100 mm) and its severity band."""
    from psotrial.instruments.itch import compute_itch

    data = read_object(source, ("vas_mm",))
    if "vas_mm" not in data:
        raise FieldError("vas_mm", "required: the VAS in whole millimetres 0-100")
    result = compute_itch(data["vas_mm"]).to_dict()
    if as_json:
        print_json(result)
        return
    console.print(f"Itch VAS {result['vas_mm']} mm: {result['band']}")
