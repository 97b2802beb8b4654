"""``psotrial simulate cohort``: JSON Lines of casebooks, to stdout or a file."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from psotrial.casebook import Casebook
from psotrial.cli._io import to_json
from psotrial.cli.simulate import app
from psotrial.errors import FieldError, NotFoundError
from psotrial.protocol import load_protocol
from psotrial.simulate import simulate_cohort

runner = CliRunner()


def test_simulate_cohort_writes_one_casebook_per_line() -> None:
    result = runner.invoke(app, ["cohort", "--n", "6", "--seed", "2"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 6
    casebooks = [Casebook.model_validate_json(line) for line in lines]
    expected = simulate_cohort(load_protocol("nct03745417"), n=6, seed=2)
    assert [c.screening.date for c in casebooks] == [c.screening.date for c in expected]
    assert [json.loads(line) for line in lines] == [to_json(c.model_dump()) for c in expected]


def test_simulate_cohort_out_file_with_data_cut(tmp_path: Path) -> None:
    out = tmp_path / "cohort.jsonl"
    argv = ["cohort", "--n", "40", "--scenario", "placebo", "--seed", "1"]
    argv += ["--start", "2026-02-02", "--data-cut", "2026-05-01", "--out", str(out)]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    casebooks = [Casebook.model_validate_json(line) for line in out.read_text().splitlines()]
    assert casebooks
    assert casebooks[0].screening.date.isoformat() == "2026-02-02"
    assert all(v.date.isoformat() <= "2026-05-01" for c in casebooks for v in c.visits)


def test_simulate_cohort_refuses_bad_input() -> None:
    result = runner.invoke(app, ["cohort", "--n", "2", "--scenario", "nope"])
    assert isinstance(result.exception, NotFoundError)
    result = runner.invoke(app, ["cohort", "--n", "2", "--data-cut", "May 1"])
    assert isinstance(result.exception, FieldError)
    assert result.exception.field == "--data-cut"
    assert runner.invoke(app, ["cohort", "--n", "-1"]).exit_code == 2
