"""``psotrial design``: Simon, the exact single-arm test and the Bayesian go/no-go table."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

Run = Callable[..., tuple[int, str, str]]  # the ``cli`` fixture of conftest.py

DESIGN_KEYS = ["r1", "n1", "r", "n", "en_p0", "pet_p0", "alpha", "power"]


def test_design_simon_json_has_exactly_the_specified_shape(cli: Run) -> None:
    # Simon (1989) Table 1: p0 0.05, p1 0.25, alpha = beta = 0.10.
    status, out, err = cli(
        "design", "simon", "--p0", "0.05", "--p1", "0.25", "--alpha", "0.10", "--beta", "0.10",
        "--json",
    )  # fmt: skip
    assert (status, err) == (0, "")
    result = json.loads(out)
    assert list(result) == ["optimal", "minimax"]
    assert list(result["optimal"]) == DESIGN_KEYS
    assert list(result["minimax"]) == DESIGN_KEYS
    optimal, minimax = result["optimal"], result["minimax"]
    assert [optimal[key] for key in ("r1", "n1", "r", "n")] == [0, 9, 2, 24]
    assert [minimax[key] for key in ("r1", "n1", "r", "n")] == [0, 13, 2, 20]
    assert round(optimal["en_p0"], 1) == 14.5
    assert round(optimal["pet_p0"], 2) == 0.63
    assert round(minimax["en_p0"], 1) == 16.4
    assert round(minimax["pet_p0"], 2) == 0.51
    for design in (optimal, minimax):
        assert design["alpha"] <= 0.10
        assert design["power"] >= 0.90


def test_design_simon_table(cli: Run) -> None:
    status, out, _ = cli(
        "design", "simon", "--p0", "0.2", "--p1", "0.4", "--alpha", "0.05", "--beta", "0.2"
    )
    assert status == 0
    optimal = next(line for line in out.splitlines() if "optimal" in line)
    minimax = next(line for line in out.splitlines() if "minimax" in line)
    for text in ("3/13", "12/43", "20.6", "0.75"):
        assert text in optimal
    for text in ("4/18", "10/33", "22.3", "0.72"):
        assert text in minimax


def test_design_simon_warns_when_the_optimum_is_near_nmax(cli: Run) -> None:
    status, out, err = cli(
        "design", "simon", "--p0", "0.2", "--p1", "0.4", "--alpha", "0.05", "--beta", "0.1",
        "--nmax", "55", "--json",
    )  # fmt: skip
    assert status == 0
    assert json.loads(out)["optimal"]["n"] == 54
    assert "close to --nmax (55)" in err


def test_design_single_arm_json(cli: Run) -> None:
    status, out, err = cli("design", "single-arm", "--n", "25", "--p0", "0.05", "--p1", "0.2",
                           "--json")  # fmt: skip
    assert (status, err) == (0, "")
    result = json.loads(out)
    assert list(result) == ["n", "p0", "p1", "alpha", "critical_value", "size", "power"]
    assert (result["n"], result["alpha"], result["critical_value"]) == (25, 0.05, 4)
    assert round(result["size"], 4) == 0.0341
    assert round(result["power"], 4) == 0.766


def test_design_single_arm_table_says_the_rule(cli: Run) -> None:
    status, out, _ = cli("design", "single-arm", "--n", "25", "--p0", "0.05", "--p1", "0.2")
    assert status == 0
    assert "reject H0 (p <= 0.05) when at least 4 of 25 respond" in out
    assert "0.0341" in out


def test_design_bayes_json(cli: Run) -> None:
    status, out, err = cli("design", "bayes", "--n", "10", "--prior", "1,1", "--threshold",
                           "0.3", "--json")  # fmt: skip
    assert (status, err) == (0, "")
    result = json.loads(out)
    assert list(result) == ["n", "prior", "threshold", "go", "nogo", "go_from", "nogo_up_to",
                            "rows"]  # fmt: skip
    assert result["prior"] == {"a": 1, "b": 1}
    assert (result["go"], result["nogo"], result["go_from"], result["nogo_up_to"]) == (
        0.8, 0.1, 5, 0,
    )  # fmt: skip
    assert len(result["rows"]) == 11
    row = result["rows"][5]
    assert list(row) == ["responders", "posterior_a", "posterior_b", "prob_above", "decision"]
    assert (row["responders"], row["posterior_a"], row["posterior_b"]) == (5, 6, 6)
    assert round(row["prob_above"], 4) == 0.9218
    assert row["decision"] == "go"


def test_design_bayes_table_with_cut_offs(cli: Run) -> None:
    status, out, _ = cli("design", "bayes", "--n", "4", "--prior", "1,1", "--threshold", "0.3",
                         "--go", "0.9", "--nogo", "0.2")  # fmt: skip
    assert status == 0
    assert "Beta(3, 3)" in out
    assert "go when P(rate > 0.3) >= 0.9: 3 or more responders" in out
    assert "no-go when <= 0.2: 0 or fewer" in out


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["simon", "--p0", "1.2", "--p1", "0.4", "--alpha", "0.05", "--beta", "0.2"],
         "--p0: expected a probability strictly between 0 and 1, got 1.2"),
        (["simon", "--p0", "0.4", "--p1", "0.2", "--alpha", "0.05", "--beta", "0.2"],
         "--p1: expected p1 greater than p0"),
        (["simon", "--p0", "0.2", "--p1", "0.4", "--alpha", "0", "--beta", "0.2"],
         "--alpha: expected a probability strictly between 0 and 1"),
        (["simon", "--p0", "0.2", "--p1", "0.4", "--alpha", "0.05", "--beta", "0.2",
          "--nmax", "500"], "--nmax: expected a whole number 2-200"),
        (["simon", "--p0", "0.1", "--p1", "0.2", "--alpha", "0.05", "--beta", "0.1"],
         "--nmax: no two-stage design with n <= 60"),
        (["single-arm", "--n", "0", "--p0", "0.1", "--p1", "0.3"],
         "--n: expected a whole number 1-10000"),
        (["bayes", "--n", "10", "--prior", "1", "--threshold", "0.3"],
         "--prior: expected two numbers above 0 as a,b"),
        (["bayes", "--n", "10", "--prior", "one,two", "--threshold", "0.3"],
         "--prior: expected two numbers above 0 as a,b"),
        (["bayes", "--n", "10", "--prior", "1,0", "--threshold", "0.3"],
         "--prior: expected b above 0"),
        (["bayes", "--n", "10", "--prior", "1,1", "--threshold", "0.3", "--go", "0.1"],
         "--nogo: expected a no-go cut-off below the go cut-off"),
    ],
)  # fmt: skip
def test_design_bad_input_exits_2_naming_the_option(cli: Run, argv: list[str], words: str) -> None:
    status, out, err = cli("design", *argv)
    assert status == 2
    assert out == ""
    assert err.startswith("psotrial: error: ")
    assert words in err


def test_design_help_lists_the_three_commands(cli: Run) -> None:
    status, out, _ = cli("design", "--help")
    assert status == 0
    for command in ("simon", "single-arm", "bayes"):
        assert command in out
