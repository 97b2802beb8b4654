"""``psotrial response FILE``: PASI response, relapse and rebound from a baseline and visits."""

from __future__ import annotations

from collections.abc import Mapping

from psotrial.cli._io import console, print_json, print_table
from psotrial.cli.score import JsonFlag, Source, read_object
from psotrial.errors import FieldError
from psotrial.exact import round_half_up


def response(source: Source, as_json: JsonFlag = False) -> None:
    """PASI-50/75/90/100 per visit, relapse (protocol and NPF) and rebound."""
    # The instruments load when the command runs, not at start-up (issue 7).
    from psotrial.instruments.response import compute_response

    data = read_object(source, ("baseline", "values"))
    if "baseline" not in data:
        raise FieldError("baseline", "required: the baseline PASI")
    raw_values = data.get("values")
    if not isinstance(raw_values, list):
        raise FieldError("values", 'expected a list of {"visit": str, "pasi": number}')
    values = []
    for i, entry in enumerate(raw_values):
        if not isinstance(entry, Mapping) or set(entry) != {"visit", "pasi"}:
            raise FieldError(f"values[{i}]", 'expected {"visit": str, "pasi": number}')
        if not isinstance(entry["visit"], str):
            raise FieldError(f"values[{i}].visit", f"expected a visit code, got {entry['visit']!r}")
        values.append((entry["visit"], entry["pasi"]))
    result = compute_response(data["baseline"], values)
    if as_json:
        print_json(result.to_dict())
        return
    print_table(
        f"PASI response from baseline {data['baseline']}",
        ["visit", "PASI", "improvement %", "PASI-50", "PASI-75", "PASI-90", "PASI-100"],
        [
            (
                v.visit,
                v.pasi,
                round_half_up(v.improvement, 2),
                *(_tick(flag) for flag in (v.pasi50, v.pasi75, v.pasi90, v.pasi100)),
            )
            for v in result.visits
        ],
    )
    for name, relapse in (("protocol", result.relapse_protocol), ("NPF", result.relapse_npf)):
        found = f"yes, at {relapse.visit}" if relapse.relapsed else "no"
        console.print(f"relapse ({name}): {found}")
    rebound = result.rebound
    console.print("rebound: " + (f"yes, at {rebound.visit}" if rebound.rebound else "no"))


def _tick(flag: bool) -> str:
    return "yes" if flag else "no"
