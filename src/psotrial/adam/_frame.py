"""Private helpers shared by the ADaM derivations: input checks, ISO dates, exact numbers.

Exactness (architecture.md): CDISC numerics are binary floats, but every difference and
percentage is computed on the decimal each float stands for (its shortest repr) and only
the result is rounded back to the nearest float, so ``7.6 - 1.9`` is ``5.7`` and not
``5.699999999999999``.

The same exact results are computed set-based in polars (:func:`compute_exact_difference`,
:func:`compute_exact_percent_change`) on integer mantissas: a float ``x`` with
``|x| < 10^9`` whose value ``n / 10^6`` (``n = round(x * 10^6)``) rounds back to ``x`` *is*
the decimal ``n / 10^6`` its shortest repr stands for (two decimals with at most six
places differ by at least 10^-6, more than the float spacing below 10^9). Differences and
ratios of such integers below 2^53 are exact in Int64/Float64, and one IEEE division of two
exact floats is correctly rounded, as ``float(Fraction)`` is. Any other row (more places,
larger, NaN, -0.0) takes the per-value Decimal path, so every result is the same float.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction

import numpy as np
import polars as pl

from psotrial.errors import DerivationError, DuplicateRecordsError, MissingVariablesError

__all__ = [
    "compute_distinct",
    "compute_exact_difference",
    "compute_exact_percent_change",
    "exact_difference",
    "exact_percent_change",
    "parse_dtc_date",
    "require_columns",
    "require_unique",
    "temp_name",
    "to_exact",
]


def require_columns(dataset: pl.DataFrame, columns: Iterable[str]) -> None:
    """Raise :class:`MissingVariablesError` naming every absent column."""
    missing = [column for column in columns if column not in dataset.columns]
    if missing:
        raise MissingVariablesError(missing)


def require_unique(dataset: pl.DataFrame, by_vars: Sequence[str]) -> None:
    """Raise :class:`DuplicateRecordsError` when ``by_vars`` do not identify one record."""
    if dataset.height and dataset.select(by_vars).is_duplicated().any():
        raise DuplicateRecordsError(list(by_vars))


def temp_name(dataset: pl.DataFrame, stem: str) -> str:
    """A column name not yet used in ``dataset`` (admiral ``get_new_tmp_var``)."""
    name, number = f"__{stem}", 0
    while name in dataset.columns:
        number += 1
        name = f"__{stem}{number}"
    return name


def parse_dtc_date(column: str) -> pl.Expr:
    """The date part of an ISO 8601 ``--DTC``; null unless the date is complete."""
    return (
        pl.col(column)
        .cast(pl.String)
        .str.slice(0, 10)
        .str.to_date("%Y-%m-%d", strict=False)
        .alias(column)
    )


def to_exact(value: float | int | None) -> Decimal | None:
    """The decimal a CDISC float stands for (its shortest repr); None stays None."""
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN is a missing value in SAS terms
        return None
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise DerivationError(f"expected a finite number, got {value!r}")
    return number


def exact_difference(
    values: Sequence[float | None], bases: Sequence[float | None]
) -> list[float | None]:
    """``value - base`` per row, exact on decimals, rounded once to a float."""
    out: list[float | None] = []
    for value, base in zip(values, bases, strict=True):
        a, b = to_exact(value), to_exact(base)
        out.append(None if a is None or b is None else float(a - b))
    return out


def exact_percent_change(
    values: Sequence[float | None], bases: Sequence[float | None]
) -> list[float | None]:
    """``(value - base) / |base| * 100`` per row, exact; None where base is 0 or missing."""
    out: list[float | None] = []
    for value, base in zip(values, bases, strict=True):
        a, b = to_exact(value), to_exact(base)
        if a is None or b is None or b == 0:
            out.append(None)
        else:
            out.append(float((Fraction(a) - Fraction(b)) / abs(Fraction(b)) * 100))
    return out


_PLACES = 1e6  # the decimal places of the set-based path (clinical values use <= 4)
_MAGNITUDE = 1e9  # below it the float spacing is < 10^-6 (see the module docstring)
_EXACT_INT = 2**53  # integers below it are exact in a Float64


def _mantissa(values: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """``n = x * 10^6`` as int64 and whether ``x`` is exactly ``n / 10^6`` (see above).

    NumPy, not polars, divides: polars divides a column by a constant as a multiplication
    by its reciprocal, which is not correctly rounded (``-3600000 / 1e6`` gives
    ``-3.5999999999999996``); NumPy's division is IEEE division.
    """
    x = values.cast(pl.Float64).to_numpy()
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.round(x * _PLACES)
        exact = (
            np.isfinite(x)
            & (np.abs(x) < _MAGNITUDE)
            & (scaled / _PLACES == x)
            & ~((x == 0) & np.signbit(x))
        )
    return np.where(exact, scaled, 0).astype(np.int64), exact


def _with_fallback(
    values: pl.Series,
    bases: pl.Series,
    fast: np.ndarray,
    done: np.ndarray,
    slow: Callable[[Sequence[float | None], Sequence[float | None]], list[float | None]],
    name: str,
) -> pl.Series:
    """``fast`` where ``done`` (NaN there is a null), else the exact per-value ``slow``."""
    both = (values.is_not_null() & bases.is_not_null()).to_numpy()
    result = pl.Series(name, np.where(done, fast, np.nan), dtype=pl.Float64).fill_nan(None)
    rows = np.flatnonzero(both & ~done)
    if rows.size:
        computed = slow(values.gather(rows).to_list(), bases.gather(rows).to_list())
        result = result.scatter(rows, pl.Series(computed, dtype=pl.Float64))
    return result


def compute_exact_difference(
    data: pl.DataFrame, value: str, base: str, *, name: str = "CHG"
) -> pl.Series:
    """``value - base`` per row as :func:`exact_difference` gives it, set-based.

    Example:
        >>> ds = pl.DataFrame({"AVAL": [4.0, None, 0.1], "BASE": [7.6, 7.6, 0.2]})
        >>> compute_exact_difference(ds, "AVAL", "BASE").to_list()
        [-3.6, None, -0.1]
    """
    values, bases = data.get_column(value), data.get_column(base)
    if not _numeric(values, bases):
        return pl.Series(name, exact_difference(values.to_list(), bases.to_list()), pl.Float64)
    a, a_exact = _mantissa(values)
    b, b_exact = _mantissa(bases)
    fast = (a - b).astype(np.float64) / _PLACES
    return _with_fallback(values, bases, fast, a_exact & b_exact, exact_difference, name)


def compute_exact_percent_change(
    data: pl.DataFrame, value: str, base: str, *, name: str = "PCHG"
) -> pl.Series:
    """``(value - base) / |base| * 100`` per row as :func:`exact_percent_change`, set-based.

    Example:
        >>> ds = pl.DataFrame({"AVAL": [1.9, 18.0, 3.0], "BASE": [7.6, 15.0, 0.0]})
        >>> compute_exact_percent_change(ds, "AVAL", "BASE").to_list()
        [-75.0, 20.0, None]
    """
    values, bases = data.get_column(value), data.get_column(base)
    if not _numeric(values, bases):
        computed = exact_percent_change(values.to_list(), bases.to_list())
        return pl.Series(name, computed, pl.Float64)
    a, a_exact = _mantissa(values)
    b, b_exact = _mantissa(bases)
    numerator = (a - b) * 100
    done = a_exact & b_exact & (np.abs(numerator) < _EXACT_INT)
    with np.errstate(divide="ignore", invalid="ignore"):
        # A zero base gives NaN or inf here: null, as exact_percent_change has it.
        fast = numerator.astype(np.float64) / np.abs(b).astype(np.float64)
    fast[b == 0] = np.nan
    return _with_fallback(values, bases, fast, done, exact_percent_change, name)


def _numeric(*columns: pl.Series) -> bool:
    """Whether the set-based path applies: float (or null-only) columns."""
    return all(c.dtype in (pl.Float64(), pl.Float32(), pl.Null()) for c in columns)


def compute_distinct(
    data: pl.DataFrame,
    columns: Sequence[str],
    function: Callable[..., tuple[object, ...]],
    schema: Mapping[str, pl.DataType],
) -> pl.DataFrame:
    """``function(*row)`` per row of ``columns``, called once per distinct row.

    A per-value rule (a CTCAE grade, an MCID) depends on its inputs alone, so it is decided
    once for each distinct input and joined back: the result is the row-by-row result, in
    the same order (distinct rows are met in order, so the first bad input still raises).

    Example:
        >>> ds = pl.DataFrame({"x": [1, 2, 1, None]})
        >>> compute_distinct(ds, ["x"], lambda x: (None if x is None else x * 10,),
        ...                  {"y": pl.Int64()})["y"].to_list()
        [10, 20, 10, None]
    """
    keys = data.select(columns)
    distinct = keys.unique(maintain_order=True)
    results = [function(*row) for row in distinct.iter_rows()]
    table = pl.DataFrame(results, schema=dict(schema), orient="row")
    table = pl.concat([distinct, table], how="horizontal")
    found = keys.join(table, on=list(columns), how="left", nulls_equal=True, maintain_order="left")
    return found.select(list(schema))
