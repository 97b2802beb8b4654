"""Per-value rules decided once per distinct input (exact rules on text stay in Python)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

__all__ = ["decide_distinct"]


def decide_distinct(
    frame: pl.DataFrame,
    columns: Sequence[str],
    function: Callable[..., object],
    name: str,
    dtype: pl.DataType,
) -> pl.Series:
    """``function(*row)`` for each row of ``columns``, called once per distinct row.

    A rule that depends on its inputs alone (a reference-range indicator, a percentage
    on exact decimals) gives the row-by-row result, in row order; distinct rows are met
    in row order, so the first bad input still raises first.

    Example:
        >>> frame = pl.DataFrame({"x": ["1", "2", "1", None]})
        >>> decide_distinct(frame, ["x"], lambda x: x and x * 2, "y", pl.String()).to_list()
        ['11', '22', '11', None]
    """
    keys = frame.select(columns)
    distinct = keys.unique(maintain_order=True)
    results = [function(*row) for row in distinct.iter_rows()]
    table = distinct.with_columns(pl.Series(name, results, dtype=dtype))
    found = keys.join(table, on=list(columns), how="left", nulls_equal=True, maintain_order="left")
    return found.get_column(name)
