"""Extreme-record flags and baseline: ABLFL and BASE (admiral ``derive_var_extreme_flag``,
``derive_var_base``).

Baseline (architecture.md, "Decisions already taken"): the last non-missing value on or
before the first infusion (pre-dose), per participant and parameter. admiral computes it as
``restrict_derivation(derive_var_extreme_flag(mode = "last"), filter = !is.na(AVAL) & ADT <=
TRTSDT)`` (cdisc.md §2.5); more than one baseline per by-group is an error, not a guess.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from psotrial.adam._frame import require_columns, require_unique, temp_name
from psotrial.errors import DuplicateRecordsError

__all__ = ["derive_var_ablfl", "derive_var_base", "derive_var_extreme_flag"]


def derive_var_extreme_flag(
    dataset: pl.DataFrame,
    *,
    by_vars: Sequence[str],
    order: Sequence[str],
    new_var: str,
    mode: Literal["first", "last"],
    filter: pl.Expr | None = None,
    true_value: str = "Y",
    false_value: str | None = None,
    check_ties: bool = True,
) -> pl.DataFrame:
    """Flag the first or last record by ``order`` within each ``by_vars`` group.

    Records outside ``filter`` get ``false_value`` (admiral ``restrict_derivation``).

    Args:
        dataset: the input; not modified, row order kept.
        by_vars: the groups.
        order: sort keys inside a group (ascending, nulls first).
        new_var: the flag to add.
        mode: flag the first or the last record.
        filter: only these records are candidates.
        true_value: value of the flagged record.
        false_value: value of every other record.
        check_ties: raise when the chosen record ties with another on ``order``.

    Raises:
        MissingVariablesError: a by or order variable is absent.
        DuplicateRecordsError: ``check_ties`` and two candidates share the extreme ``order``.

    Example:
        >>> ds = pl.DataFrame({"USUBJID": ["1", "1", "2"], "ADY": [-3, 1, 1]})
        >>> derive_var_extreme_flag(ds, by_vars=["USUBJID"], order=["ADY"], new_var="LASTFL",
        ...                         mode="last")["LASTFL"].to_list()
        [None, 'Y', 'Y']
    """
    require_columns(dataset, [*by_vars, *order])
    keys = [*by_vars, *order]
    index = temp_name(dataset, "row")
    # Only the keys and the row number are sorted (not every column of a wide dataset).
    narrow = dataset.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias(index),
        *keys,
        *([] if filter is None else [filter.alias("__candidate")]),
    )
    candidates = (
        narrow if filter is None else narrow.filter(pl.col("__candidate")).drop("__candidate")
    )
    # Each group's records sorted by ``order`` then row number inside the aggregation (ties
    # in input order, as a stable sort on by + order keys leaves them): the by keys, often
    # text, are only hashed, never sorted.
    ranked = pl.col(index).sort_by([*order, index], nulls_last=False)
    pick = ranked.last() if mode == "last" else ranked.first()
    chosen = candidates.group_by(list(by_vars)).agg(pick)[index]
    if check_ties and chosen.len():
        picked = candidates.filter(pl.col(index).is_in(chosen.implode())).select(keys)
        ties = candidates.select(keys).join(picked, on=keys, how="inner", nulls_equal=True)
        if ties.height > picked.height:
            raise DuplicateRecordsError(keys)
    flagged = np.zeros(dataset.height, dtype=bool)
    flagged[chosen.to_numpy()] = True
    flag = pl.when(pl.Series(flagged))
    return dataset.with_columns(
        flag.then(pl.lit(true_value)).otherwise(pl.lit(false_value, pl.String)).alias(new_var)
    )


def derive_var_ablfl(
    dataset: pl.DataFrame,
    *,
    by_vars: Sequence[str] = ("USUBJID", "PARAMCD"),
    order: Sequence[str] = ("ADT", "VISITNUM", "SRCSEQ"),
    new_var: str = "ABLFL",
    ref_date: str = "TRTSDT",
) -> pl.DataFrame:
    """Baseline record flag: the last non-missing AVAL with ADT on or before ``ref_date``.

    Imputed records (DTYPE not null) are never baseline. Records with no date are not
    candidates: "on or before" cannot be decided for them.

    Raises:
        MissingVariablesError: AVAL, ADT, ``ref_date`` or a by/order variable is absent.

    Example:
        >>> from datetime import date
        >>> ds = pl.DataFrame({
        ...     "USUBJID": ["1"] * 3, "PARAMCD": ["PASITOT"] * 3, "AVAL": [12.0, None, 6.0],
        ...     "ADT": [date(2026, 1, 1), date(2026, 1, 8), date(2026, 2, 1)],
        ...     "TRTSDT": [date(2026, 1, 8)] * 3,
        ... })
        >>> derive_var_ablfl(ds, order=["ADT"])["ABLFL"].to_list()
        ['Y', None, None]
    """
    require_columns(dataset, ["AVAL", "ADT", ref_date])
    candidate = (
        pl.col("AVAL").is_not_null()
        & pl.col("ADT").is_not_null()
        & (pl.col("ADT") <= pl.col(ref_date))
    )
    if "DTYPE" in dataset.columns:
        candidate = candidate & pl.col("DTYPE").is_null()
    present = [column for column in order if column in dataset.columns]
    return derive_var_extreme_flag(
        dataset, by_vars=by_vars, order=present, new_var=new_var, mode="last", filter=candidate
    )


def derive_var_base(
    dataset: pl.DataFrame,
    *,
    by_vars: Sequence[str] = ("USUBJID", "PARAMCD"),
    source_var: str = "AVAL",
    new_var: str = "BASE",
    filter: pl.Expr | None = None,
) -> pl.DataFrame:
    """Copy the baseline record's ``source_var`` to every record of its by-group.

    Args:
        filter: selects the baseline records; ``ABLFL == "Y"`` when omitted.

    Raises:
        MissingVariablesError: a by variable or ``source_var`` is absent (or ABLFL, when
            ``filter`` is omitted).
        DuplicateRecordsError: more than one baseline record per by-group.

    Example:
        >>> ds = pl.DataFrame({"USUBJID": ["1", "1"], "PARAMCD": ["P", "P"],
        ...                    "AVAL": [20.0, 5.0], "ABLFL": ["Y", None]})
        >>> derive_var_base(ds)["BASE"].to_list()
        [20.0, 20.0]
    """
    if filter is None:
        require_columns(dataset, ["ABLFL"])
        filter = pl.col("ABLFL") == "Y"
    require_columns(dataset, [*by_vars, source_var])
    value = temp_name(dataset, "base")
    baseline = dataset.filter(filter).select([*by_vars, pl.col(source_var).alias(value)])
    require_unique(baseline, by_vars)
    left = dataset.drop(new_var, strict=False)
    # Only the keys go through the join (the found values are put beside the dataset).
    found = left.select(by_vars).join(
        baseline, on=list(by_vars), how="left", nulls_equal=False, maintain_order="left"
    )
    return left.with_columns(found.get_column(value).alias(new_var))
