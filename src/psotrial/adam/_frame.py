"""Private helpers shared by the ADaM derivations: input checks, ISO dates, exact numbers.

Exactness (architecture.md): CDISC numerics are binary floats, but every difference and
percentage is computed on the decimal each float stands for (its shortest repr) and only
the result is rounded back to the nearest float, so ``7.6 - 1.9`` is ``5.7`` and not
``5.699999999999999``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

import polars as pl

from psotrial.errors import DerivationError, DuplicateRecordsError, MissingVariablesError

__all__ = [
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
