"""Shape a built frame to its dataset specification: columns, order, types, sort."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import polars as pl

from psotrial.sdtm.metadata import DatasetSpec, DataType

__all__ = ["POLARS_TYPES", "concat_sorted", "conform_to_spec"]

# SDTM dates are ISO 8601 text, so "date"/"datetime" variables are strings here.
POLARS_TYPES: dict[DataType, pl.DataType] = {
    "text": pl.String(),
    "integer": pl.Int64(),
    "float": pl.Float64(),
    "date": pl.String(),
    "datetime": pl.String(),
}


def conform_to_spec(dataset: pl.DataFrame, spec: DatasetSpec) -> pl.DataFrame:
    """Exactly the spec's variables, in spec order and type, sorted by its keys.

    A variable the builder did not produce (a Perm variable not collected in this trial)
    is added as an all-null column; columns not in the spec are dropped.

    Example:
        >>> from psotrial.sdtm.metadata import Variable
        >>> spec = DatasetSpec("XX", "Example", "Findings", "One record", ("USUBJID",),
        ...     (Variable("USUBJID", "Unique Subject Identifier", "text"),
        ...      Variable("XXSEQ", "Sequence Number", "integer")))
        >>> conform_to_spec(pl.DataFrame({"USUBJID": ["B", "A"], "extra": [1, 2]}), spec).rows()
        [('A', None), ('B', None)]
    """
    columns = []
    for variable in spec.variables:
        dtype = POLARS_TYPES[variable.type]
        if variable.name in dataset.columns:
            columns.append(pl.col(variable.name).cast(dtype).alias(variable.name))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(variable.name))
    shaped = dataset.select(columns)
    keys = [key for key in spec.keys if key in shaped.columns]
    return shaped.sort(keys, nulls_last=True) if keys else shaped


def concat_sorted(parts: Sequence[pl.DataFrame], keys: Sequence[str]) -> pl.DataFrame:
    """One frame from ``parts`` that are each sorted by ``keys`` (nulls last), as one
    stable sort of them all by ``keys`` would give it.

    Parts of disjoint, ordered ranges (groups of subjects taken in USUBJID order) are
    already in order: then they are only appended (no copy of the data); otherwise the
    whole is sorted, stably.

    Example:
        >>> a = pl.DataFrame({"USUBJID": ["A", "A"], "N": [2, 1]})
        >>> b = pl.DataFrame({"USUBJID": ["B"], "N": [0]})
        >>> concat_sorted([a, b], ["USUBJID"]).rows()
        [('A', 2), ('A', 1), ('B', 0)]
        >>> concat_sorted([b, a], ["USUBJID"]).rows()
        [('A', 2), ('A', 1), ('B', 0)]
    """
    present = [k for k in keys if parts and k in parts[0].columns]
    if len(parts) == 1:
        return parts[0]
    whole = pl.concat(parts, how="vertical", rechunk=False)
    if not present:
        return whole
    filled = [part for part in parts if part.height]
    bounds = [
        pl.concat([before.select(present).tail(1), after.select(present).head(1)])
        for before, after in pairwise(filled)
    ]
    in_order = all(
        pair.with_row_index("__row")
        .sort(present, nulls_last=True, maintain_order=True)
        .get_column("__row")
        .to_list()
        == [0, 1]
        for pair in bounds
    )
    return whole if in_order else whole.sort(present, nulls_last=True, maintain_order=True)
