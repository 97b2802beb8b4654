"""Simon's optimal and minimax two-stage designs against the published table and a brute force."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psotrial.errors import FieldError
from psotrial.stats.simon import (
    SimonDesign,
    compute_simon_characteristics,
    compute_simon_designs,
)

# Simon R. Optimal two-stage designs for phase II clinical trials. Controlled Clinical
# Trials 1989;10:1-10, Table 1 (p1 - p0 = 0.20): p0, p1, alpha, beta, then for the optimal
# and the minimax design r1/n1, r/n, EN(p0) and PET(p0) as printed (EN to 1 decimal, PET
# to 2); clinfun::ph2simon runs the same search. The optimal designs for alpha 0.05,
# beta 0.20 are also in the "check simons designs" test of the Julia package
# kkmann/BinaryTwoStageDesigns (r1 = 1 3 5 7 8 7 4, n1 = 10 13 15 16 15 11 6, ...).
SIMON_TABLE_1 = [
    # p0, p1, alpha, beta, optimal (r1, n1, r, n, EN, PET), minimax (the same)
    (0.05, 0.25, 0.10, 0.10, (0, 9, 2, 24, "14.5", "0.63"), (0, 13, 2, 20, "16.4", "0.51")),
    (0.05, 0.25, 0.05, 0.20, (0, 9, 2, 17, "12.0", "0.63"), (0, 12, 2, 16, "13.8", "0.54")),
    (0.05, 0.25, 0.05, 0.10, (0, 9, 3, 30, "16.8", "0.63"), (0, 15, 3, 25, "20.4", "0.46")),
    (0.10, 0.30, 0.10, 0.10, (1, 12, 5, 35, "19.8", "0.66"), (1, 16, 4, 25, "20.4", "0.51")),
    (0.10, 0.30, 0.05, 0.20, (1, 10, 5, 29, "15.0", "0.74"), (1, 15, 5, 25, "19.5", "0.55")),
    (0.10, 0.30, 0.05, 0.10, (2, 18, 6, 35, "22.5", "0.73"), (2, 22, 6, 33, "26.2", "0.62")),
    (0.20, 0.40, 0.10, 0.10, (3, 17, 10, 37, "26.0", "0.55"), (3, 19, 10, 36, "28.3", "0.46")),
    (0.20, 0.40, 0.05, 0.20, (3, 13, 12, 43, "20.6", "0.75"), (4, 18, 10, 33, "22.3", "0.72")),
    (0.20, 0.40, 0.05, 0.10, (4, 19, 15, 54, "30.4", "0.67"), (5, 24, 13, 45, "31.2", "0.66")),
    (0.30, 0.50, 0.10, 0.10, (7, 22, 17, 46, "29.9", "0.67"), (7, 28, 15, 39, "35.0", "0.36")),
    (0.30, 0.50, 0.05, 0.20, (5, 15, 18, 46, "23.6", "0.72"), (6, 19, 16, 39, "25.7", "0.67")),
    (0.30, 0.50, 0.05, 0.10, (8, 24, 24, 63, "34.7", "0.73"), (7, 24, 21, 53, "36.6", "0.56")),
    (0.40, 0.60, 0.05, 0.20, (7, 16, 23, 46, "24.5", "0.72"), (17, 34, 20, 39, "34.4", "0.91")),
    (0.40, 0.60, 0.05, 0.10, (11, 25, 32, 66, "36.0", "0.73"), (12, 29, 27, 54, "38.1", "0.64")),
]  # fmt: skip

# The optimal designs for alpha 0.05, beta 0.20 at the top of Table 1 (the rows the Julia
# package above checks), r1, n1, r, n.
SIMON_TABLE_1_OPTIMAL_05_20 = [
    ("0.50", "0.70", (8, 15, 26, 43)),
    ("0.60", "0.80", (7, 11, 30, 43)),
    ("0.70", "0.90", (4, 6, 22, 27)),
]


def as_row(design: SimonDesign) -> tuple[int, int, int, int, str, str]:
    en = f"{float(design.en_p0):.1f}"
    pet = f"{float(design.pet_p0):.2f}"
    return design.r1, design.n1, design.r, design.n, en, pet


@pytest.mark.parametrize(("p0", "p1", "alpha", "beta", "optimal", "minimax"), SIMON_TABLE_1)
def test_compute_simon_designs_reproduces_simon_table_1(
    p0: float,
    p1: float,
    alpha: float,
    beta: float,
    optimal: tuple[int, int, int, int, str, str],
    minimax: tuple[int, int, int, int, str, str],
) -> None:
    # Two rows need more than the default 60 participants.
    nmax = 70 if optimal[3] > 60 else 60
    designs = compute_simon_designs(p0, p1, alpha=alpha, beta=beta, nmax=nmax)
    assert as_row(designs.optimal) == optimal
    assert as_row(designs.minimax) == minimax


@pytest.mark.parametrize(("p0", "p1", "optimal"), SIMON_TABLE_1_OPTIMAL_05_20)
def test_compute_simon_designs_reproduces_table_1_optimal_high_p0(
    p0: str, p1: str, optimal: tuple[int, int, int, int]
) -> None:
    design = compute_simon_designs(p0, p1, alpha="0.05", beta="0.20").optimal
    assert (design.r1, design.n1, design.r, design.n) == optimal


def test_compute_simon_designs_searches_up_to_nmax_60() -> None:
    # Its speed is measured by `make bench` (design_simon_nmax60_s), never asserted here.
    designs = compute_simon_designs("0.20", "0.40", alpha="0.05", beta="0.10", nmax=60)
    assert designs.optimal.n == 54


def test_compute_simon_designs_size_equal_to_alpha_is_admissible() -> None:
    # Targets set to the optimal design's own exact size and power: the float search sees
    # a tie and must decide it exactly (size <= alpha, power >= 1 - beta hold with equality).
    published = compute_simon_characteristics(0, 9, 2, 24, p0="0.05", p1="0.25")
    designs = compute_simon_designs("0.05", "0.25", alpha=published.alpha, beta=1 - published.power)
    assert designs.optimal == published


def test_compute_simon_designs_size_just_above_alpha_is_not() -> None:
    published = compute_simon_characteristics(0, 9, 2, 24, p0="0.05", p1="0.25")
    designs = compute_simon_designs(
        "0.05", "0.25", alpha=published.alpha - Fraction(1, 10**30), beta="0.10"
    )
    assert (designs.optimal.n1, designs.optimal.n) != (9, 24)
    assert designs.optimal.alpha < published.alpha


def test_compute_simon_designs_takes_the_largest_admissible_r() -> None:
    # p0 0.05, p1 0.65, alpha 0.10, beta 0.30: after 0/2, both r = 0 and r = 1 of 3 meet
    # the constraints; Simon keeps the largest r meeting the power (the smaller size).
    designs = compute_simon_designs("0.05", "0.65", alpha="0.10", beta="0.30", nmax=6)
    smaller = compute_simon_characteristics(0, 2, 0, 3, p0="0.05", p1="0.65")
    assert smaller.alpha <= Fraction(1, 10)
    assert smaller.power >= Fraction(7, 10)
    for design in (designs.optimal, designs.minimax):
        assert (design.r1, design.n1, design.r, design.n) == (0, 2, 1, 3)
    assert brute_designs(
        Fraction(1, 20), Fraction(13, 20), Fraction(1, 10), Fraction(3, 10), 6
    ) == ((0, 2, 1, 3), (0, 2, 1, 3))


def test_compute_simon_characteristics_exact_values() -> None:
    # 0/9, 2/24 at p0 = 1/20: PET = (19/20)^9 exactly.
    design = compute_simon_characteristics(0, 9, 2, 24, p0="0.05", p1="0.25")
    assert design.pet_p0 == Fraction(19, 20) ** 9
    assert design.en_p0 == 9 + (1 - Fraction(19, 20) ** 9) * 15
    assert design.alpha == brute_promising(0, 9, 2, 24, Fraction(1, 20))
    assert design.power == brute_promising(0, 9, 2, 24, Fraction(1, 4))


@pytest.mark.parametrize(
    ("boundaries", "field"),
    [((0, 0, 0, 5), "design"), ((3, 3, 4, 10), "design"), ((1, 5, 0, 10), "design")],
)
def test_compute_simon_characteristics_refuses_impossible_boundaries(
    boundaries: tuple[int, int, int, int], field: str
) -> None:
    with pytest.raises(FieldError) as info:
        compute_simon_characteristics(*boundaries, p0="0.1", p1="0.3")
    assert info.value.field == field


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"p0": "0.3", "p1": "0.2"}, "p1", "greater than p0"),
        ({"p0": "0.3", "p1": "0.3"}, "p1", "greater than p0"),
        ({"p0": "0", "p1": "0.2"}, "p0", "strictly between 0 and 1"),
        ({"p0": "0.1", "p1": "1"}, "p1", "strictly between 0 and 1"),
        ({"alpha": "1.5"}, "alpha", "strictly between 0 and 1"),
        ({"beta": "-0.1"}, "beta", "strictly between 0 and 1"),
        ({"beta": "abc"}, "beta", "expected a probability"),
        ({"nmax": 1}, "nmax", "2-200"),
        ({"nmax": 201}, "nmax", "2-200"),
        ({"nmax": 20}, "nmax", "no two-stage design with n <= 20"),
    ],
)
def test_compute_simon_designs_names_the_bad_input(
    kwargs: dict[str, object], field: str, words: str
) -> None:
    arguments: dict[str, object] = {
        "p0": "0.2", "p1": "0.4", "alpha": "0.05", "beta": "0.1", "nmax": 60,
    }  # fmt: skip
    arguments.update(kwargs)
    with pytest.raises(FieldError) as info:
        compute_simon_designs(**arguments)  # type: ignore[arg-type]
    assert info.value.field == field
    assert words in str(info.value)


# --- An independent brute force: every design, exact fractions, the definitions verbatim.


def brute_pmf(m: int, p: Fraction) -> list[Fraction]:
    return [comb(m, x) * p**x * (1 - p) ** (m - x) for x in range(m + 1)]


def brute_promising(r1: int, n1: int, r: int, n: int, p: Fraction) -> Fraction:
    first, second = brute_pmf(n1, p), brute_pmf(n - n1, p)
    return sum(
        (
            first[x1] * second[x2]
            for x1 in range(r1 + 1, n1 + 1)
            for x2 in range(n - n1 + 1)
            if x1 + x2 > r
        ),
        Fraction(0),
    )


def brute_designs(
    p0: Fraction, p1: Fraction, alpha: Fraction, beta: Fraction, nmax: int
) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int]] | None:
    feasible = []
    for n in range(2, nmax + 1):
        for n1 in range(1, n):
            for r1 in range(n1):
                pet = sum(brute_pmf(n1, p0)[: r1 + 1], Fraction(0))
                en = n1 + (1 - pet) * (n - n1)
                for r in range(r1, n):
                    if brute_promising(r1, n1, r, n, p0) > alpha:
                        continue
                    if brute_promising(r1, n1, r, n, p1) < 1 - beta:
                        continue
                    feasible.append((en, n, n1, r1, r))
    if not feasible:
        return None

    def largest_r(row: tuple[Fraction, int, int, int, int]) -> tuple[int, int, int, int]:
        _, n, n1, r1, _ = row
        r = max(f[4] for f in feasible if f[1:4] == (n, n1, r1))
        return r1, n1, r, n

    optimal = min(feasible, key=lambda f: (f[0], f[1], f[2]))
    minimax = min(feasible, key=lambda f: (f[1], f[0], f[2]))
    return largest_r(optimal), largest_r(minimax)


grid = st.integers(min_value=1, max_value=18).map(lambda k: Fraction(k, 20))


@settings(max_examples=12, deadline=None)
@given(
    p0=grid,
    gap=st.sampled_from([Fraction(3, 10), Fraction(7, 20), Fraction(2, 5), Fraction(1, 2)]),
    alpha=st.sampled_from([Fraction(1, 10), Fraction(1, 5), Fraction(1, 4)]),
    beta=st.sampled_from([Fraction(1, 10), Fraction(1, 5), Fraction(3, 10)]),
    nmax=st.integers(min_value=4, max_value=14),
)
def test_compute_simon_designs_matches_brute_force(
    p0: Fraction, gap: Fraction, alpha: Fraction, beta: Fraction, nmax: int
) -> None:
    p1 = p0 + gap
    if p1 >= 1:
        p1 = (p0 + 1) / 2
    expected = brute_designs(p0, p1, alpha, beta, nmax)
    if expected is None:
        with pytest.raises(FieldError, match="no two-stage design"):
            compute_simon_designs(p0, p1, alpha=alpha, beta=beta, nmax=nmax)
        return
    designs = compute_simon_designs(p0, p1, alpha=alpha, beta=beta, nmax=nmax)
    found = tuple((d.r1, d.n1, d.r, d.n) for d in (designs.optimal, designs.minimax))
    assert found == expected


@settings(max_examples=25, deadline=None)
@given(
    p0=st.integers(min_value=1, max_value=13).map(lambda k: Fraction(k, 20)),
    gap=st.sampled_from([Fraction(3, 20), Fraction(1, 5), Fraction(1, 4), Fraction(3, 10)]),
    alpha=st.sampled_from([Fraction(1, 20), Fraction(1, 10), Fraction(3, 20)]),
    beta=st.sampled_from([Fraction(1, 10), Fraction(3, 20), Fraction(1, 5)]),
)
def test_compute_simon_designs_meet_their_constraints(
    p0: Fraction, gap: Fraction, alpha: Fraction, beta: Fraction
) -> None:
    no_design: str | None = None
    try:
        designs = compute_simon_designs(p0, p0 + gap, alpha=alpha, beta=beta, nmax=60)
    except FieldError as exc:
        no_design = exc.field
    if no_design is not None:
        assert no_design == "nmax"
        return
    for design in (designs.optimal, designs.minimax):
        assert design.alpha <= alpha
        assert design.power >= 1 - beta
        assert 0 <= design.r1 < design.n1 < design.n <= 60
        assert design.r1 <= design.r < design.n
        assert design.en_p0 == design.n1 + (1 - design.pet_p0) * (design.n - design.n1)
    assert designs.minimax.n <= designs.optimal.n
    assert designs.optimal.en_p0 <= designs.minimax.en_p0
