"""``psotrial design simon|single-arm|bayes``: sample sizes and decision rules for the next trial.

The calculations live in :mod:`psotrial.stats.simon`, :mod:`psotrial.stats.single_arm`
and :mod:`psotrial.stats.bayes`; they are imported inside each command so that
``psotrial --help`` does not load numpy and scipy.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any

import typer

from psotrial.cli._io import console, print_json, print_table
from psotrial.errors import FieldError
from psotrial.exact import round_half_up

if TYPE_CHECKING:
    from psotrial.stats.simon import SimonDesign

__all__ = ["app", "bayes", "simon", "single_arm"]

app = typer.Typer(
    help="Design the next trial: Simon two-stage, exact single-arm test, Bayesian go/no-go.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
P0 = Annotated[float, typer.Option("--p0", help="Response rate not worth pursuing, 0-1.")]
P1 = Annotated[float, typer.Option("--p1", help="Response rate hoped for, above p0.")]

# The pure functions name their inputs; the user typed options.
_OPTIONS = {"prior.a": "--prior", "prior.b": "--prior"}


@app.callback()
def design() -> None:
    """Design the next trial: Simon two-stage, exact single-arm test, Bayesian go/no-go."""
    # A callback keeps the commands subcommands even if only one were registered.


@app.command("simon")
def simon(
    p0: P0,
    p1: P1,
    alpha: Annotated[float, typer.Option("--alpha", help="Largest P(promising | p0).")],
    beta: Annotated[float, typer.Option("--beta", help="Largest P(not promising | p1).")],
    nmax: Annotated[int, typer.Option("--nmax", help="Largest total sample size searched.")] = 60,
    as_json: JsonFlag = False,
) -> None:
    """Simon's (1989) optimal and minimax two-stage designs (exact binomial search)."""
    from psotrial.stats.simon import compute_simon_designs

    with _options():
        designs = compute_simon_designs(p0, p1, alpha=alpha, beta=beta, nmax=nmax)
    if designs.optimal.n > nmax - 10:
        # As clinfun warns: the unrestricted optimum may need more participants than nmax.
        print(
            f"psotrial: note: the optimal n ({designs.optimal.n}) is close to --nmax ({nmax}); "
            "a larger --nmax may find a smaller expected sample size",
            file=sys.stderr,
        )
    if as_json:
        print_json(
            {"optimal": _design_json(designs.optimal), "minimax": _design_json(designs.minimax)}
        )
        return
    print_table(
        f"Simon two-stage designs: p0 {p0}, p1 {p1}, alpha {alpha}, beta {beta} (n <= {nmax})",
        ["design", "stage 1 r1/n1", "total r/n", "EN(p0)", "PET(p0)", "alpha", "power"],
        [
            (
                name,
                f"{d.r1}/{d.n1}",
                f"{d.r}/{d.n}",
                round_half_up(d.en_p0, 1),
                round_half_up(d.pet_p0, 2),
                round_half_up(d.alpha, 4),
                round_half_up(d.power, 4),
            )
            for name, d in (("optimal", designs.optimal), ("minimax", designs.minimax))
        ],
    )
    console.print(
        "Stop after n1 participants if at most r1 respond; "
        "the treatment is promising if more than r of n respond."
    )


@app.command("single-arm")
def single_arm(
    n: Annotated[int, typer.Option("--n", help="Participants.")],
    p0: P0,
    p1: P1,
    alpha: Annotated[float, typer.Option("--alpha", help="One-sided significance level.")] = 0.05,
    as_json: JsonFlag = False,
) -> None:
    """The exact one-sided binomial test: critical value, actual size and power at p1."""
    from psotrial.stats.single_arm import compute_single_arm_test

    with _options():
        test = compute_single_arm_test(n, p0, p1, alpha=alpha)
    result = {
        "n": test.n,
        "p0": p0,
        "p1": p1,
        "alpha": alpha,
        "critical_value": test.critical_value,
        "size": float(test.size),
        "power": float(test.power),
    }
    if as_json:
        print_json(result)
        return
    rule = (
        f"reject H0 (p <= {p0}) when at least {test.critical_value} of {n} respond"
        if test.critical_value <= n
        else f"no number of responders out of {n} is significant at alpha {alpha}"
    )
    print_table(
        "Exact one-sided binomial test",
        ["n", "p0", "p1", "alpha", "critical value", "size", "power"],
        [
            (
                n,
                p0,
                p1,
                alpha,
                test.critical_value,
                round_half_up(test.size, 4),
                round_half_up(test.power, 4),
            )
        ],
    )
    console.print(rule)


@app.command("bayes")
def bayes(
    n: Annotated[int, typer.Option("--n", help="Participants.")],
    prior: Annotated[str, typer.Option("--prior", help="Beta prior a,b (e.g. 1,1 uniform).")],
    threshold: Annotated[float, typer.Option("--threshold", help="Response rate to beat.")],
    go: Annotated[
        float, typer.Option("--go", help="Go when P(rate > threshold) is at least this.")
    ] = 0.8,
    nogo: Annotated[
        float, typer.Option("--nogo", help="No-go when P(rate > threshold) is at most this.")
    ] = 0.1,
    as_json: JsonFlag = False,
) -> None:
    """Beta-binomial go/no-go table: P(rate > threshold) for each number of responders."""
    from psotrial.stats.bayes import compute_posterior_table

    with _options():
        table = compute_posterior_table(
            n, prior=_parse_prior(prior), threshold=threshold, go=go, nogo=nogo
        )
    if as_json:
        print_json(
            {
                "n": table.n,
                "prior": {"a": table.prior_a, "b": table.prior_b},
                "threshold": threshold,
                "go": go,
                "nogo": nogo,
                "go_from": table.go_from,
                "nogo_up_to": table.nogo_up_to,
                "rows": [
                    {
                        "responders": row.responders,
                        "posterior_a": row.posterior_a,
                        "posterior_b": row.posterior_b,
                        "prob_above": row.prob_above,
                        "decision": row.decision,
                    }
                    for row in table.rows
                ],
            }
        )
        return
    print_table(
        f"Beta({table.prior_a}, {table.prior_b}) prior, n {n}",
        ["responders", "posterior", f"P(rate > {threshold})", "decision"],
        [
            (
                f"{row.responders}/{n}",
                f"Beta({row.posterior_a}, {row.posterior_b})",
                round_half_up(Fraction(row.prob_above), 4),
                row.decision,
            )
            for row in table.rows
        ],
    )
    go_text = "never" if table.go_from is None else f"{table.go_from} or more responders"
    nogo_text = "never" if table.nogo_up_to is None else f"{table.nogo_up_to} or fewer"
    console.print(
        f"go when P(rate > {threshold}) >= {go}: {go_text}; no-go when <= {nogo}: {nogo_text}"
    )


def _design_json(design: SimonDesign) -> dict[str, Any]:
    return {
        "r1": design.r1,
        "n1": design.n1,
        "r": design.r,
        "n": design.n,
        "en_p0": float(design.en_p0),
        "pet_p0": float(design.pet_p0),
        "alpha": float(design.alpha),
        "power": float(design.power),
    }


def _parse_prior(text: str) -> tuple[Decimal, Decimal]:
    parts = [part.strip() for part in text.split(",")]
    try:
        if len(parts) != 2:
            raise InvalidOperation
        a, b = Decimal(parts[0]), Decimal(parts[1])
    except InvalidOperation:
        raise FieldError(
            "--prior", f"expected two numbers above 0 as a,b (e.g. 1,1), got {text!r}"
        ) from None
    return a, b


@contextmanager
def _options() -> Iterator[None]:
    """Name the command-line option in an error about a function argument."""
    try:
        yield
    except FieldError as exc:
        if exc.field.startswith("--"):
            raise
        option = _OPTIONS.get(exc.field, "--" + exc.field.replace("_", "-"))
        raise FieldError(option, exc.msg) from None
