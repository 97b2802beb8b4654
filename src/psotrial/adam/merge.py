"""Merge variables from another dataset (admiral ``derive_vars_merged``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from psotrial.adam._frame import require_columns, require_unique

__all__ = ["derive_vars_merged"]


def derive_vars_merged(
    dataset: pl.DataFrame,
    *,
    dataset_add: pl.DataFrame,
    by_vars: Sequence[str],
    new_vars: Sequence[str] | Mapping[str, str] | None = None,
    filter_add: pl.Expr | None = None,
) -> pl.DataFrame:
    """Add ``new_vars`` of ``dataset_add`` to ``dataset`` by ``by_vars`` (a left join).

    ``dataset_add`` must have at most one record per by-group (after ``filter_add``); a
    variable already in ``dataset`` is replaced, as admiral replaces it. ``new_vars`` as a
    mapping renames: ``{"NEW": "OLD"}``. Row order is kept.

    Raises:
        MissingVariablesError: a by variable or new variable is absent.
        DuplicateRecordsError: ``dataset_add`` has several records per by-group.

    Example:
        >>> adsl = pl.DataFrame({"USUBJID": ["1", "2"], "SAFFL": ["Y", "N"]})
        >>> ds = pl.DataFrame({"USUBJID": ["2", "1", "3"]})
        >>> derive_vars_merged(ds, dataset_add=adsl, by_vars=["USUBJID"])["SAFFL"].to_list()
        ['N', 'Y', None]
    """
    require_columns(dataset, by_vars)
    add = dataset_add.filter(filter_add) if filter_add is not None else dataset_add
    if new_vars is None:
        renames = {c: c for c in add.columns if c not in by_vars}
    elif isinstance(new_vars, Mapping):
        renames = dict(new_vars)
    else:
        renames = {c: c for c in new_vars}
    require_columns(add, [*by_vars, *renames.values()])
    right = add.select([*by_vars, *(pl.col(old).alias(new) for new, old in renames.items())])
    require_unique(right, by_vars)
    left = dataset.drop([c for c in renames if c in dataset.columns])
    return _join_narrow(left, right, by_vars)


def _join_narrow(left: pl.DataFrame, right: pl.DataFrame, by_vars: Sequence[str]) -> pl.DataFrame:
    """``left`` left-joined with ``right`` (at most one row per key), in ``left``'s order.

    Only the key columns of ``left`` go through the join and the found columns are put
    beside it: a join would copy every column of a wide dataset (a million-row BDS).
    """
    keys = left.select(by_vars)
    found = keys.join(right, on=list(by_vars), how="left", maintain_order="left")
    return left.hstack(found.drop(list(by_vars)).get_columns())
