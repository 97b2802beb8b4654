"""--SEQ: a record number unique within each subject (SDTMIG 3.4 section 4.1.9)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from psotrial.errors import MissingVariablesError

__all__ = ["derive_var_seq"]


def derive_var_seq(
    dataset: pl.DataFrame,
    *,
    by_vars: Sequence[str] = ("USUBJID",),
    order: Sequence[str],
    new_var: str,
) -> pl.DataFrame:
    """Number the records 1, 2, ... within ``by_vars`` in ``order`` (nulls last).

    The rows stay in their input order; only the narrow key columns are sorted, so the
    cost does not grow with the width of the dataset.

    Raises:
        MissingVariablesError: a by or order variable is missing.

    Example:
        >>> frame = pl.DataFrame({"USUBJID": ["B", "A", "A"], "AESTDTC": ["2", "3", "1"]})
        >>> derive_var_seq(frame, order=["AESTDTC"], new_var="AESEQ").rows()
        [('B', '2', 1), ('A', '3', 2), ('A', '1', 1)]
    """
    missing = [name for name in (*by_vars, *order) if name not in dataset.columns]
    if missing:
        raise MissingVariablesError(missing)
    ordered = (
        dataset.select(*by_vars, *order)
        .with_row_index("__row")
        # The row number makes the order total. One thread: the parallel sort of these
        # few narrow columns spent twice the CPU for no less wall time on two cores.
        .sort([*by_vars, *order, "__row"], nulls_last=True, multithreaded=False)
    )
    # Sorted by the by variables, each group is a run: its numbers count from the run's
    # first row, and go back to the input rows by row number (no hashing, no second sort).
    position = pl.int_range(pl.len(), dtype=pl.Int64)
    starts = position == 0
    for name in by_vars:
        starts = starts | pl.col(name).ne_missing(pl.col(name).shift(1))
    numbers = ordered.select(
        "__row",
        (position - pl.when(starts).then(position).forward_fill() + 1).alias(new_var),
    )
    sequence = pl.zeros(dataset.height, dtype=pl.Int64, eager=True).alias(new_var)
    return dataset.with_columns(
        sequence.scatter(numbers.get_column("__row"), numbers.get_column(new_var))
    )
