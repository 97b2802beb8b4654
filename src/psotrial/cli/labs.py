"""``psotrial labs grade FILE``: CTCAE v5.0 grades of one laboratory result."""

from __future__ import annotations

import typer

from psotrial.cli._io import print_json, print_table
from psotrial.cli.score import JsonFlag, Source, read_object
from psotrial.errors import FieldError

app = typer.Typer(help="Laboratory results: CTCAE v5.0 grading.", no_args_is_help=True)

_KEYS = ("test", "value", "unit", "lln", "uln", "baseline", "albumin_g_l")


@app.command("grade")
def grade(source: Source, as_json: JsonFlag = False) -> None:
    """Grade a result for every CTCAE term its test can grade."""
    # The CTCAE tables load when a result is graded, not at start-up (issue 7).
    from psotrial.instruments.ctcae import compute_lab_grades

    data = read_object(source, _KEYS)
    for key in ("test", "value", "unit"):
        if key not in data:
            raise FieldError(key, f"required; the input has keys: {', '.join(_KEYS)}")
    grades = compute_lab_grades(
        str(data["test"]),
        data["value"],
        str(data["unit"]),
        lln=data.get("lln"),
        uln=data.get("uln"),
        baseline=data.get("baseline"),
        albumin_g_l=data.get("albumin_g_l"),
    )
    if as_json:
        print_json({"grades": [g.to_dict() for g in grades]})
        return
    print_table(
        f"CTCAE v5.0: {data['test']} {data['value']} {data['unit']}",
        ["term", "grade", "reason"],
        [(g.term, "-" if g.grade is None else g.grade, g.reason) for g in grades],
    )
