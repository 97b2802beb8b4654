"""Simon's optimal and minimax two-stage designs for a single-arm phase II trial.

Simon R. Optimal two-stage designs for phase II clinical trials. Controlled Clinical
Trials 1989;10:1-10. Treat ``n1`` participants; stop for futility when at most ``r1``
respond; otherwise treat ``n - n1`` more and call the treatment promising when more than
``r`` of all ``n`` respond. With X1 ~ Bin(n1, p), X2 ~ Bin(n - n1, p)::

    PET(p)             = P(X1 <= r1)
    P(promising | p)   = sum over x1 > r1 of P(X1 = x1) P(X2 > r - x1)
    EN(p)              = n1 + (1 - PET(p)) (n - n1)

A design is admissible when P(promising | p0) <= alpha and P(promising | p1) >= 1 - beta.
The *optimal* design minimises EN(p0); the *minimax* design minimises n and, among those,
EN(p0). As in Simon's search (and clinfun's ``ph2simon``), for each (n, n1, r1) the final
boundary ``r`` is the largest one that still meets the power constraint, and the design is
kept when that ``r`` also meets the alpha constraint; ``0 <= r1 < n1`` (a true first stage)
and ``r1 <= r < n``. Equal EN(p0) (compared exactly) goes to the smaller n, then the smaller
n1. The constraints are inclusive (size at most alpha, power at least 1 - beta); clinfun
uses strict inequalities, which differ only when a size or power equals its target exactly.

The exhaustive search runs on float64 binomial tables, vectorised over the second-stage
size, the first-stage boundary and the final boundary for each n1 (Simon's paper enumerated
the same space). Whenever a float probability lies within 1e-10 (relative) of a constraint the
comparison is redone in exact integer arithmetic, so a design whose size equals alpha
exactly counts as meeting it; the reported characteristics are computed exactly too.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import comb

import numpy as np
import numpy.typing as npt

from psotrial.errors import FieldError
from psotrial.stats.single_arm import Probability, check_probability, compute_binomial_weights

__all__ = [
    "MAX_SIMON_NMAX",
    "SimonDesign",
    "SimonDesigns",
    "compute_simon_characteristics",
    "compute_simon_designs",
]

MAX_SIMON_NMAX = 200
"""Largest total sample size searched (the search grows as nmax**4: 200 takes seconds)."""

# Relative: float sums of at most a few hundred positive terms are off by far less than
# this; closer to a constraint than this, the comparison is decided exactly instead.
_BORDER = 1e-10

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
# A candidate design as the search finds it: (en_p0 as a float, n, n1, r1, r).
_Row = tuple[float, int, int, int, int]


@dataclass(frozen=True, slots=True)
class SimonDesign:
    """One two-stage design and its operating characteristics under p0 and p1.

    Stop after ``n1`` participants when at most ``r1`` respond; call the treatment
    promising when more than ``r`` of ``n`` respond. ``alpha`` is P(promising | p0) and
    ``power`` P(promising | p1), both exact; ``en_p0`` and ``pet_p0`` are the expected
    sample size and the probability of early termination under p0.
    """

    r1: int
    n1: int
    r: int
    n: int
    en_p0: Fraction
    pet_p0: Fraction
    alpha: Fraction
    power: Fraction


@dataclass(frozen=True, slots=True)
class SimonDesigns:
    """The optimal (minimum EN under p0) and minimax (minimum n) designs of one search."""

    optimal: SimonDesign
    minimax: SimonDesign


def compute_simon_characteristics(
    r1: int, n1: int, r: int, n: int, *, p0: Probability, p1: Probability
) -> SimonDesign:
    """Exact operating characteristics of a given two-stage design.

    Raises:
        FieldError: boundaries that do not describe a two-stage design
            (``0 <= r1 < n1 < n`` and ``r1 <= r < n``) or probabilities outside (0, 1).

    Example:
        Simon's optimal design for p0 = 0.05, p1 = 0.25, alpha = beta = 0.10:

        >>> design = compute_simon_characteristics(0, 9, 2, 24, p0=0.05, p1=0.25)
        >>> round(float(design.en_p0), 1), round(float(design.pet_p0), 2)
        (14.5, 0.63)
        >>> float(design.alpha) <= 0.10, float(design.power) >= 0.90
        (True, True)
    """
    if not (0 <= r1 < n1 < n and r1 <= r < n):
        raise FieldError(
            "design", f"expected 0 <= r1 < n1 < n and r1 <= r < n, got {r1}/{n1}, {r}/{n}"
        )
    q0 = check_probability(p0, "p0")
    q1 = check_probability(p1, "p1")
    weights1, denominator1 = compute_binomial_weights(n1, q0)
    pet = Fraction(sum(weights1[: r1 + 1]), denominator1)
    return SimonDesign(
        r1=r1,
        n1=n1,
        r=r,
        n=n,
        en_p0=n1 + (1 - pet) * (n - n1),
        pet_p0=pet,
        alpha=_promising_exact(r1, n1, r, n, q0),
        power=_promising_exact(r1, n1, r, n, q1),
    )


def compute_simon_designs(
    p0: Probability,
    p1: Probability,
    *,
    alpha: Probability,
    beta: Probability,
    nmax: int = 60,
) -> SimonDesigns:
    """Simon's optimal and minimax two-stage designs, by exhaustive exact-binomial search.

    Args:
        p0: the response rate not worth pursuing (H0: p <= p0).
        p1: the response rate hoped for, above p0.
        alpha: the largest acceptable P(promising | p0).
        beta: the largest acceptable P(not promising | p1); the power is 1 - beta.
        nmax: the largest total sample size searched, 2 to :data:`MAX_SIMON_NMAX`.

    Raises:
        FieldError: a probability outside (0, 1), ``p1 <= p0``, ``nmax`` out of range, or
            no design meeting alpha and beta with ``n <= nmax`` (field ``nmax``).

    Example:
        Simon (1989) Table 1, p0 = 0.05, p1 = 0.25, alpha = beta = 0.10:

        >>> designs = compute_simon_designs(0.05, 0.25, alpha=0.10, beta=0.10)
        >>> d = designs.optimal
        >>> (d.r1, d.n1, d.r, d.n)
        (0, 9, 2, 24)
        >>> d = designs.minimax
        >>> (d.r1, d.n1, d.r, d.n)
        (0, 13, 2, 20)
    """
    q0 = check_probability(p0, "p0")
    q1 = check_probability(p1, "p1")
    level = check_probability(alpha, "alpha")
    miss = check_probability(beta, "beta")
    if q1 <= q0:
        raise FieldError("p1", f"expected p1 greater than p0 ({float(q0)}), got {float(q1)}")
    if isinstance(nmax, bool) or not isinstance(nmax, int) or not 2 <= nmax <= MAX_SIMON_NMAX:
        raise FieldError("nmax", f"expected a whole number 2-{MAX_SIMON_NMAX}, got {nmax!r}")
    target_power = 1 - miss
    search = _Search(nmax, q0, q1, level, target_power)
    candidates: list[_Row] = []
    for n1 in range(1, nmax):
        # EN > n1 and n > n1: once n1 reaches both the best EN and the smallest n found,
        # no larger first stage can give a better optimal or minimax design.
        if (
            candidates
            and n1 >= min(row[0] for row in candidates)
            and n1 >= min(row[1] for row in candidates)
        ):
            break
        candidates.extend(search.best_for_first_stage(n1))
    if not candidates:
        raise FieldError(
            "nmax",
            f"no two-stage design with n <= {nmax} has alpha <= {float(level)} and power >= "
            f"{float(target_power)} for p0 = {float(q0)}, p1 = {float(q1)}; "
            f"try a larger nmax (at most {MAX_SIMON_NMAX})",
        )
    optimal = _select(candidates, q0)
    smallest = min(row[1] for row in candidates)
    minimax = _select([row for row in candidates if row[1] == smallest], q0)
    return SimonDesigns(
        optimal=compute_simon_characteristics(
            optimal[3], optimal[2], optimal[4], optimal[1], p0=q0, p1=q1
        ),
        minimax=compute_simon_characteristics(
            minimax[3], minimax[2], minimax[4], minimax[1], p0=q0, p1=q1
        ),
    )


class _Search:
    """Binomial tables for p0 and p1 and the vectorised search for one first-stage size."""

    def __init__(
        self, nmax: int, p0: Fraction, p1: Fraction, alpha: Fraction, power: Fraction
    ) -> None:
        self.nmax = nmax
        self.p = (p0, p1)
        self.alpha = alpha
        self.power = power
        self.pmf = tuple(_pmf_table(nmax, float(p)) for p in self.p)
        # tail[m, k + nmax] = P(Bin(m, p) > k), for k from -nmax to nmax.
        self.tail = tuple(_upper_tail_table(pmf) for pmf in self.pmf)

    def best_for_first_stage(self, n1: int) -> list[_Row]:
        """Every admissible (en_p0, n, n1, r1, r), one per (n, r1), for this n1."""
        nmax = self.nmax
        n2 = np.arange(1, nmax - n1 + 1)  # axis 0
        x1 = np.arange(n1 + 1)  # axis 1
        r = np.arange(nmax)  # axis 2
        offset = (r[None, None, :] - x1[None, :, None]) + nmax
        promising = []
        for pmf, tail in zip(self.pmf, self.tail, strict=True):
            terms = pmf[n1, : n1 + 1][None, :, None] * tail[n2[:, None, None], offset]
            # above[:, j, :] sums the terms for x1 >= j; the boundary r1 keeps x1 > r1.
            above = np.cumsum(terms[:, ::-1, :], axis=1)[:, ::-1, :]
            promising.append(above[:, 1:, :])  # axis 1 is now r1 = 0..n1-1
        size, power = promising
        r1 = np.arange(n1)
        # A design needs r1 <= r < n1 + n2.
        usable = (r[None, None, :] >= r1[None, :, None]) & (
            r[None, None, :] < (n1 + n2)[:, None, None]
        )
        meets_power = self._compare_power(power, usable, n1, n2, r1, r)
        # Power falls as r rises: the largest r meeting it, or -1 when none does.
        best_r = np.where(meets_power, r[None, None, :], -1).max(axis=2)
        has_r = best_r >= 0
        size_at = np.take_along_axis(size, np.maximum(best_r, 0)[:, :, None], axis=2)[:, :, 0]
        meets_alpha = self._compare_alpha(size_at, has_r, n1, n2, r1, best_r)
        pet = np.cumsum(self.pmf[0][n1, :n1])  # PET(p0) for r1 = 0..n1-1
        en = n1 + (1.0 - pet)[None, :] * n2[:, None]
        rows: list[_Row] = []
        for i, j in np.argwhere(has_r & meets_alpha):
            rows.append((float(en[i, j]), int(n1 + n2[i]), n1, int(j), int(best_r[i, j])))
        return rows

    def _compare_power(
        self,
        power: Floats,
        usable: npt.NDArray[np.bool_],
        n1: int,
        n2: Ints,
        r1: Ints,
        r: Ints,
    ) -> npt.NDArray[np.bool_]:
        target = float(self.power)
        meets = usable & (power >= target)
        near = np.abs(power - target) <= _BORDER * target
        for i, j, k in np.argwhere(usable & near):
            exact = _promising_exact(int(r1[j]), n1, int(r[k]), n1 + int(n2[i]), self.p[1])
            meets[i, j, k] = exact >= self.power
        return meets

    def _compare_alpha(
        self,
        size: Floats,
        has_r: npt.NDArray[np.bool_],
        n1: int,
        n2: Ints,
        r1: Ints,
        best_r: Ints,
    ) -> npt.NDArray[np.bool_]:
        target = float(self.alpha)
        meets = has_r & (size <= target)
        near = np.abs(size - target) <= _BORDER * target
        for i, j in np.argwhere(has_r & near):
            exact = _promising_exact(int(r1[j]), n1, int(best_r[i, j]), n1 + int(n2[i]), self.p[0])
            meets[i, j] = exact <= self.alpha
        return meets


def _select(candidates: list[_Row], p0: Fraction) -> _Row:
    """The row of least EN(p0), then least n, then least n1; EN ties decided exactly."""
    least = min(row[0] for row in candidates)
    near = [row for row in candidates if row[0] <= least * (1 + _BORDER)]
    return min(near, key=lambda row: (_expected_size_exact(row, p0), row[1], row[2]))


def _expected_size_exact(row: _Row, p0: Fraction) -> Fraction:
    _, n, n1, r1, _ = row
    weights, denominator = compute_binomial_weights(n1, p0)
    return n1 + (1 - Fraction(sum(weights[: r1 + 1]), denominator)) * (n - n1)


def _pmf_table(nmax: int, p: float) -> Floats:
    """pmf[m, x] = P(Bin(m, p) = x) for m, x = 0..nmax (0 where x > m)."""
    m = np.arange(nmax + 1)[:, None]
    x = np.arange(nmax + 1)[None, :]
    combs = np.array(
        [[float(comb(i, j)) for j in range(nmax + 1)] for i in range(nmax + 1)], dtype=np.float64
    )
    pmf = combs * p**x * (1.0 - p) ** np.maximum(m - x, 0)
    return np.where(x <= m, pmf, 0.0)


def _upper_tail_table(pmf: Floats) -> Floats:
    """tail[m, k + nmax] = P(Bin(m) > k) for k = -nmax..nmax: 1 below 0, 0 from m on."""
    nmax = pmf.shape[0] - 1
    # Summing the upper tail directly keeps small tails accurate (1 - cdf would not).
    at_least = np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1]  # at_least[m, x] = P(X >= x)
    tail = np.zeros((nmax + 1, 2 * nmax + 1))
    tail[:, :nmax] = 1.0
    tail[:, nmax : 2 * nmax] = at_least[:, 1:]
    return tail


def _promising_exact(r1: int, n1: int, r: int, n: int, p: Fraction) -> Fraction:
    """P(X1 > r1 and X1 + X2 > r) in exact integer arithmetic."""
    weights1, denominator1 = compute_binomial_weights(n1, p)
    weights2, denominator2 = compute_binomial_weights(n - n1, p)
    total = 0
    for x1 in range(r1 + 1, n1 + 1):
        total += weights1[x1] * sum(weights2[max(r - x1 + 1, 0) :])
    return Fraction(total, denominator1 * denominator2)
