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
    numbered = (
        dataset.select(*by_vars, *order)
        .with_row_index("__row")
        .sort([*by_vars, *order, "__row"], nulls_last=True)
        .with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(list(by_vars)).alias(new_var)
        )
        .sort("__row")
    )
    return dataset.with_columns(numbered.get_column(new_var))
