"""Shape a built frame to its dataset specification: columns, order, types, sort."""

from __future__ import annotations

import polars as pl

from psotrial.sdtm.metadata import DatasetSpec, DataType

__all__ = ["POLARS_TYPES", "conform_to_spec"]

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
