"""PASI responder rates for any long PASI dataset, decided exactly, with exact CIs. PURE.

A statistician checks our numbers against another trial's by giving a long table
(``USUBJID, ARM, AVISIT, AVAL``, AVAL as the text of the file) to
:func:`build_pasi_responders`. Every response is decided in integer arithmetic on the
values as written (architecture.md "Decisions already taken"; domain.md §1 rule 2): PASI-x
iff ``100 * (B - P) >= x * B``, after scaling every value by ``10**d`` where ``d`` is the
largest number of decimals in the file, so ``7.6 -> 1.9`` is exactly 75% and a float trap
(``74.99999999999999``) can never move a participant across a threshold.

Rates carry the exact Clopper-Pearson interval (Clopper & Pearson, Biometrika
1934;26:404-413): the ``alpha/2`` and ``1 - alpha/2`` quantiles of Beta(x, n - x + 1) and
Beta(x + 1, n - x), with 0 and 1 at the ends (as R's ``binom.test``).

Missing PASI under non-responder imputation (NRI): a participant with a baseline and no
value at a visit is counted as a non-responder, so ``n`` is every participant with a
baseline in the arm; under observed cases ``n`` is the participants with both values.
The mean improvement, ``(B - P) / B * 100`` (the registry's definition; negative when
worse, never clamped), is over observed values in both cases: a missing value has no
improvement to impute.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

import polars as pl

from psotrial.errors import FieldError
from psotrial.exact import round_half_up
from psotrial.stats.analysis import Rate

__all__ = [
    "IMPUTATIONS",
    "PASI_LEVELS",
    "PASI_RESPONDER_COLUMNS",
    "Imputation",
    "VisitResponders",
    "build_pasi_responders",
    "build_responders_json",
    "compute_clopper_pearson",
]

PASI_LEVELS: tuple[int, ...] = (50, 75, 90, 100)
PASI_RESPONDER_COLUMNS: tuple[str, ...] = ("USUBJID", "ARM", "AVISIT", "AVAL")
Imputation = Literal["observed", "nri"]
IMPUTATIONS: tuple[Imputation, ...] = ("observed", "nri")
MISSING_TEXTS: tuple[str, ...] = ("", "NA")

# A PASI is 0-72 (Fredriksson & Pettersson, Dermatologica 1978;157:238-244); an integer
# part of more than two digits cannot be one.
_PASI_MAX = 72
# 100 * 72 * 10**d must fit the integer type: int64 up to d = 14, int128 up to d = 32.
_INT64_DECIMALS = 14
_MAX_DECIMALS = 32
_NUMBER = r"^\+?(\d+\.?\d*|\.\d+)$"


@dataclass(frozen=True)
class VisitResponders:
    """Responder rates of one arm at one post-baseline visit."""

    arm: str
    visit: str
    n: int
    responders: dict[int, Rate]
    mean_improvement_pct: float | None


def compute_clopper_pearson(count: int, n: int, *, level: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper-Pearson) two-sided interval for a binomial proportion.

    Args:
        count: number of successes, 0 <= count <= n.
        n: number of trials, at least 1.
        level: confidence level, 0 < level < 1.

    Returns:
        ``(lower, upper)`` as proportions; 0 and 1 at the ends, as R's ``binom.test``.

    Raises:
        FieldError: ``n`` < 1, ``count`` outside 0..n, or ``level`` outside (0, 1).

    Example:
        >>> lo, hi = compute_clopper_pearson(682, 925)  # R: binom.test(682, 925)
        >>> round(lo, 7), round(hi, 7)
        (0.7076683, 0.7654066)
        >>> compute_clopper_pearson(0, 10)[0]
        0.0
    """
    from scipy.special import betaincinv  # type: ignore[import-untyped]

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise FieldError("n", f"expected an integer of at least 1, got {n!r}")
    if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= n:
        raise FieldError("count", f"expected an integer 0-{n}, got {count!r}")
    if not 0 < level < 1:
        raise FieldError("level", f"expected a confidence level between 0 and 1, got {level!r}")
    alpha = 1 - level
    lower = 0.0 if count == 0 else float(betaincinv(count, n - count + 1, alpha / 2))
    upper = 1.0 if count == n else float(betaincinv(count + 1, n - count, 1 - alpha / 2))
    return lower, upper


def build_pasi_responders(
    dataset: pl.DataFrame,
    *,
    baseline_visit: str = "BASELINE",
    imputation: Imputation = "observed",
    first_line: int = 2,
) -> list[VisitResponders]:
    """PASI-50/75/90/100 rates and mean improvement per arm and post-baseline visit.

    Args:
        dataset: one row per participant and visit with the text columns USUBJID, ARM,
            AVISIT and AVAL (AVAL as written in the source: ``"7.6"``; ``NA`` or empty is
            missing); other columns are ignored.
        baseline_visit: the AVISIT value of the baseline rows.
        imputation: ``observed`` (n = participants with baseline and the visit's value)
            or ``nri`` (n = participants with baseline; missing counts as non-response).
        first_line: the source line of the first row, named in errors (2 for a CSV file
            with a header).

    Returns:
        One entry per arm and visit, arms and visits in order of first appearance.

    Raises:
        FieldError: a column is missing; a key is empty; AVAL is not a PASI 0-72 or NA;
            a participant has two rows at one visit or two arms; no baseline row; a baseline
            of 0 (improvement undefined, domain.md §1 rule 5). The error names the line
            and column.

    Example:
        >>> rows = pl.DataFrame({
        ...     "USUBJID": ["A", "A", "B", "B", "C"],
        ...     "ARM": ["X"] * 5,
        ...     "AVISIT": ["BASELINE", "WEEK 12"] * 2 + ["BASELINE"],
        ...     "AVAL": ["7.6", "1.9", "9.9", "2.5", "20"],
        ... })
        >>> [(r.visit, r.n, r.responders[75].count) for r in build_pasi_responders(rows)]
        [('WEEK 12', 2, 1)]
        >>> build_pasi_responders(rows, imputation="nri")[0].n
        3
    """
    if imputation not in IMPUTATIONS:
        raise FieldError(
            "imputation", f"expected one of {', '.join(IMPUTATIONS)}, got {imputation!r}"
        )
    missing = [column for column in PASI_RESPONDER_COLUMNS if column not in dataset.columns]
    if missing:
        raise FieldError(
            f"line {first_line - 1}",
            f"missing column(s) {', '.join(missing)}; needed: "
            f"{', '.join(PASI_RESPONDER_COLUMNS)}; found: {', '.join(dataset.columns) or 'none'}",
        )
    rows = _scale_aval(_check_rows(dataset, first_line))
    # integer codes for the keys: every join and group below runs on integers
    rows = rows.with_columns(
        pl.col(column).cast(pl.Categorical).to_physical().cast(pl.Int64).alias(code)
        for column, code in (("USUBJID", "_S"), ("ARM", "_A"), ("AVISIT", "_V"))
    )
    _check_duplicates(rows)
    base = _baseline(rows, baseline_visit)
    post = rows.filter(pl.col("AVISIT") != baseline_visit)
    cells = _cells(post, base, imputation)
    return _summaries(cells, post)


def build_responders_json(results: list[VisitResponders], *, places: int = 2) -> dict[str, Any]:
    """The ``--json`` shape: ``{"arms": {ARM: {AVISIT: {"n", "pasi50".., "mean_..."}}}}``.

    Percentages and interval ends (in percent, like ``pct``) are rounded half away from
    zero to ``places`` decimals, from the exact fraction; None where n is 0.

    Example:
        >>> from psotrial.stats.descriptive import compute_rate
        >>> result = VisitResponders("X", "W12", 17, {50: compute_rate(3, 17)}, 12.25)
        >>> build_responders_json([result])["arms"]["X"]["W12"]["pasi50"]
        {'count': 3, 'pct': 17.65, 'ci95': [3.8, 43.43]}
    """
    arms: dict[str, dict[str, Any]] = {}
    for result in results:
        cell: dict[str, Any] = {"n": result.n}
        for level, proportion in result.responders.items():
            low, high = proportion.ci_low, proportion.ci_high
            cell[f"pasi{level}"] = {
                "count": proportion.count,
                "pct": _round(Fraction(100 * proportion.count, proportion.n), places)
                if proportion.n
                else None,
                "ci95": None
                if low is None or high is None
                else [_round(_shortest(100 * low), places), _round(_shortest(100 * high), places)],
            }
        mean = result.mean_improvement_pct
        cell["mean_improvement_pct"] = None if mean is None else _round(_shortest(mean), places)
        arms.setdefault(result.arm, {})[result.visit] = cell
    return {"arms": arms}


def _shortest(value: float) -> Decimal:
    # the shortest decimal that reads back as the float: the value the computation meant
    return Decimal(repr(value))


def _round(value: Fraction | Decimal, places: int) -> float:
    return float(round_half_up(value, places))


def _first_bad(rows: pl.DataFrame, bad: pl.Expr, column: str, message: str) -> None:
    """Raise for the first row where ``bad`` holds, naming its line and the count of others."""
    hits = rows.filter(bad)
    if hits.height == 0:
        return
    first = hits.row(0, named=True)
    more = f" ({hits.height - 1} more such rows)" if hits.height > 1 else ""
    value = first.get(column)
    raise FieldError(f"line {first['LINE']}, column {column}", f"{message}, got {value!r}{more}")


def _check_rows(dataset: pl.DataFrame, first_line: int) -> pl.DataFrame:
    rows = dataset.select(
        pl.int_range(first_line, first_line + pl.len(), dtype=pl.Int64).alias("LINE"),
        *(pl.col(column).cast(pl.String).str.strip_chars() for column in PASI_RESPONDER_COLUMNS),
    )
    for column in ("USUBJID", "ARM", "AVISIT"):
        blank = pl.col(column).is_null() | (pl.col(column) == "")
        _first_bad(rows, blank, column, "expected a value")
    return rows.with_columns(
        pl.when(pl.col("AVAL").is_in(MISSING_TEXTS))
        .then(None)
        .otherwise(pl.col("AVAL"))
        .alias("AVAL")
    )


def _scale_aval(rows: pl.DataFrame) -> pl.DataFrame:
    """Add SCALED (AVAL x 10**d as an integer, d = the most decimals written).

    Each distinct text is parsed once (a PASI file repeats a few hundred values across
    every participant and visit); the rows are searched only to name a bad value's line.
    """
    aval = pl.col("AVAL")
    texts = rows.select(aval.drop_nulls().unique())

    def first_bad(bad: pl.Expr, message: str) -> None:
        found = texts.filter(bad).get_column("AVAL")
        if found.len():
            _first_bad(rows, aval.is_in(found.implode()), "AVAL", message)

    first_bad(
        ~aval.str.contains(_NUMBER),
        f"expected a PASI from 0 to {_PASI_MAX} written as a decimal number, or NA",
    )
    split = aval.str.strip_chars_start("+").str.split_exact(".", 1)
    texts = texts.with_columns(
        split.struct.field("field_0").str.strip_chars_start("0").alias("_INT"),
        split.struct.field("field_1").fill_null("").str.strip_chars_end("0").alias("_FRAC"),
    )
    whole = pl.col("_INT").cast(pl.Int64, strict=False).fill_null(0)
    too_big = (pl.col("_INT").str.len_chars() > 2) | (whole > _PASI_MAX)
    too_big = too_big | ((whole == _PASI_MAX) & (pl.col("_FRAC") != ""))
    first_bad(too_big, f"expected a PASI from 0 to {_PASI_MAX}")
    decimals = int(texts.select(pl.col("_FRAC").str.len_chars().max()).item() or 0)
    first_bad(
        pl.col("_FRAC").str.len_chars() > _MAX_DECIMALS,
        f"expected at most {_MAX_DECIMALS} decimal places",
    )
    dtype = pl.Int64 if decimals <= _INT64_DECIMALS else pl.Int128
    integer = pl.when(pl.col("_INT") == "").then(pl.lit("0")).otherwise(pl.col("_INT"))
    fraction = pl.col("_FRAC").str.pad_end(decimals, "0")
    scaled = integer.cast(dtype) * pl.lit(10**decimals, dtype=dtype)
    if decimals:
        scaled = scaled + fraction.cast(dtype)
    values = texts.select("AVAL", scaled.alias("SCALED"))
    # a left join keeps the rows' order; NA rows (null AVAL) match nothing: SCALED null
    return rows.join(values, on="AVAL", how="left", maintain_order="left")


def _check_duplicates(rows: pl.DataFrame) -> None:
    # counting distinct keys is cheap; the rows are only searched when the counts differ
    visit_key = pl.col("_S") * 2**32 + pl.col("_V")
    arm_key = pl.col("_S") * 2**32 + pl.col("_A")
    distinct = rows.select(
        visit_key.n_unique().alias("visits"),
        arm_key.n_unique().alias("arms"),
        pl.col("_S").n_unique().alias("participants"),
    ).row(0, named=True)
    if distinct["visits"] != rows.height:
        twice = rows.filter(visit_key.is_duplicated())
        lines = pl.col("LINE").sort()
        pairs = (
            twice.group_by("_S", "_V")
            .agg(lines.get(0).alias("_FIRST"), lines.get(1), pl.first("USUBJID", "AVISIT"))
            .sort("LINE")
        )
        row = pairs.row(0, named=True)
        extra = twice.height - pairs.height - 1
        raise FieldError(
            f"line {row['LINE']}, columns USUBJID+AVISIT",
            f"{row['USUBJID']!r} at {row['AVISIT']!r} is also on line {row['_FIRST']}; "
            "expected one row per participant and visit"
            + (f" ({extra} more such rows)" if extra else ""),
        )
    if distinct["arms"] != distinct["participants"]:
        first_arm = pl.col("ARM").sort_by("LINE").first().over("_S")
        other = rows.filter(pl.col("ARM") != first_arm).sort("LINE")
        row = other.row(0, named=True)
        earlier = rows.filter((pl.col("_S") == row["_S"]) & (pl.col("ARM") != row["ARM"]))
        raise FieldError(
            f"line {row['LINE']}, column ARM",
            f"{row['USUBJID']!r} is in arm {row['ARM']!r} here and "
            f"{earlier.item(0, 'ARM')!r} on line {earlier.item(0, 'LINE')}; "
            "expected one arm per participant",
        )


def _baseline(rows: pl.DataFrame, baseline_visit: str) -> pl.DataFrame:
    base_rows = rows.filter(pl.col("AVISIT") == baseline_visit)
    if base_rows.height == 0:
        visits = rows.get_column("AVISIT").unique(maintain_order=True).head(12).to_list()
        raise FieldError(
            "column AVISIT",
            f"no baseline rows (AVISIT = {baseline_visit!r}); visits found: "
            f"{', '.join(visits)}; name the baseline with --baseline-visit",
        )
    _first_bad(
        base_rows,
        pl.col("SCALED") == 0,
        "AVAL",
        "a baseline PASI of 0 leaves the improvement undefined",
    )
    return base_rows.filter(pl.col("SCALED").is_not_null()).select(
        "_S", "_A", pl.col("SCALED").alias("BASE")
    )


def _cells(post: pl.DataFrame, base: pl.DataFrame, imputation: Imputation) -> pl.DataFrame:
    """One row per counted participant and visit: BASE, SCALED (None = non-responder)."""
    if imputation == "observed":
        values = post.filter(pl.col("SCALED").is_not_null()).select("_S", "_A", "_V", "SCALED")
        counted = values.join(base.drop("_A"), on="_S")
    else:
        # every participant with a baseline is counted at every visit of their arm; a
        # visit without a value (no row, or NA) leaves SCALED null: a non-responder
        visits = post.select("_A", "_V").unique()
        values = post.select("_S", "_V", "SCALED")
        counted = base.join(visits, on="_A").join(values, on=["_S", "_V"], how="left")
    responses = [
        (100 * (pl.col("BASE") - pl.col("SCALED")) >= level * pl.col("BASE"))
        .fill_null(False)
        .alias(f"R{level}")
        for level in PASI_LEVELS
    ]
    improvement = (
        (pl.col("BASE") - pl.col("SCALED")).cast(pl.Float64) / pl.col("BASE").cast(pl.Float64)
    ) * 100
    return counted.select("_A", "_V", *responses, improvement.alias("IMPR"))


def _summaries(cells: pl.DataFrame, post: pl.DataFrame) -> list[VisitResponders]:
    counts = cells.group_by("_A", "_V").agg(
        pl.len().alias("N"),
        *(pl.col(f"R{level}").sum().alias(f"R{level}") for level in PASI_LEVELS),
        pl.col("IMPR").mean().alias("IMPR"),
    )
    by_key = {(row["_A"], row["_V"]): row for row in counts.iter_rows(named=True)}
    # arms, and visits, in the order they first appear in the file
    arm_first = pl.col("LINE").min().over("_A")
    visit_first = pl.col("LINE").min().over("_V")
    keys = (
        post.group_by("_A", "_V")
        .agg(pl.col("ARM").first(), pl.col("AVISIT").first(), pl.col("LINE").min())
        .with_columns(arm_first.alias("_AF"), visit_first.alias("_VF"))
        .sort("_AF", "_VF")
    )
    # descriptive.py builds its rates on compute_clopper_pearson above: import it here
    from psotrial.stats.descriptive import compute_rate

    results = []
    for key in keys.iter_rows(named=True):
        row = by_key.get((key["_A"], key["_V"]))
        n = 0 if row is None else int(row["N"])
        responders = {
            level: compute_rate(0 if row is None else int(row[f"R{level}"]), n)
            for level in PASI_LEVELS
        }
        mean = None if row is None or row["IMPR"] is None else float(row["IMPR"])
        results.append(VisitResponders(key["ARM"], key["AVISIT"], n, responders, mean))
    return results
