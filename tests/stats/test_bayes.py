"""The beta-binomial go/no-go table: exact for whole-number priors, scipy otherwise."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import beta as beta_dist  # type: ignore[import-untyped]

from psotrial.errors import FieldError
from psotrial.stats.bayes import compute_posterior_table


def test_compute_posterior_table_one_participant_by_hand() -> None:
    # Uniform prior, one participant, threshold 1/2: Beta(1, 2) gives P(p > 1/2) = 1/4 and
    # Beta(2, 1) gives 3/4. The cut-offs equal those values: go at >= 3/4, no-go at <= 1/4.
    table = compute_posterior_table(1, prior=(1, 1), threshold="0.5", go="0.75", nogo="0.25")
    assert [(r.responders, r.posterior_a, r.posterior_b) for r in table.rows] == [
        (0, Decimal(1), Decimal(2)),
        (1, Decimal(2), Decimal(1)),
    ]
    assert [r.prob_above for r in table.rows] == [0.25, 0.75]
    assert [r.decision for r in table.rows] == ["no-go", "go"]
    assert (table.go_from, table.nogo_up_to) == (1, 0)


def test_compute_posterior_table_default_cut_offs() -> None:
    # Uniform prior, 10 participants, threshold 0.3 (defaults go 0.8, no-go 0.1).
    table = compute_posterior_table(10, prior=(1, 1), threshold="0.3")
    assert [r.decision for r in table.rows] == ["no-go"] + ["consider"] * 4 + ["go"] * 6
    assert [round(r.prob_above, 4) for r in table.rows[:6]] == [
        0.0198, 0.1130, 0.3127, 0.5696, 0.7897, 0.9218,
    ]  # fmt: skip
    assert (table.go, table.nogo) == (Fraction(4, 5), Fraction(1, 10))


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=60),
    a=st.integers(min_value=1, max_value=20),
    b=st.integers(min_value=1, max_value=20),
    threshold=st.integers(min_value=1, max_value=99).map(lambda k: Fraction(k, 100)),
)
def test_compute_posterior_table_exact_path_agrees_with_scipy(
    n: int, a: int, b: int, threshold: Fraction
) -> None:
    table = compute_posterior_table(n, prior=(a, b), threshold=threshold)
    expected = beta_dist.sf(float(threshold), [a + k for k in range(n + 1)],
                            [b + n - k for k in range(n + 1)])  # fmt: skip
    assert [r.prob_above for r in table.rows] == pytest.approx(list(expected), abs=1e-12)
    probabilities = [r.prob_above for r in table.rows]
    assert probabilities == sorted(probabilities)
    if table.go_from is not None:
        assert all(r.decision == "go" for r in table.rows[table.go_from :])
    if table.nogo_up_to is not None:
        assert all(r.decision == "no-go" for r in table.rows[: table.nogo_up_to + 1])


def test_compute_posterior_table_jeffreys_prior_uses_the_beta_function() -> None:
    table = compute_posterior_table(4, prior=(Decimal("0.5"), Decimal("0.5")), threshold="0.2")
    expected = [beta_dist.sf(0.2, 0.5 + k, 0.5 + 4 - k) for k in range(5)]
    assert [r.prob_above for r in table.rows] == pytest.approx(expected, rel=1e-12)
    assert table.rows[2].posterior_a == Decimal("2.5")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"n": 0}, "n"),
        ({"prior": (0, 1)}, "prior.a"),
        ({"prior": (1, Decimal("-2"))}, "prior.b"),
        ({"prior": (1, Decimal("NaN"))}, "prior.b"),
        ({"prior": (1, 10_001)}, "prior.b"),
        ({"threshold": "1"}, "threshold"),
        ({"go": "0.1", "nogo": "0.2"}, "nogo"),
        ({"go": "0.5", "nogo": "0.5"}, "nogo"),
        ({"go": "1"}, "go"),
    ],
)
def test_compute_posterior_table_names_the_bad_input(kwargs: dict[str, object], field: str) -> None:
    arguments: dict[str, object] = {"n": 10, "prior": (1, 1), "threshold": "0.3"}
    arguments.update(kwargs)
    n = arguments.pop("n")
    with pytest.raises(FieldError) as info:
        compute_posterior_table(n, **arguments)  # type: ignore[arg-type]
    assert info.value.field == field
