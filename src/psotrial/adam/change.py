"""Change and percent change from baseline (admiral ``derive_var_chg``, ``derive_var_pchg``).

CHG = AVAL - BASE; PCHG = (AVAL - BASE) / |BASE| x 100, null when BASE is 0 or missing
(ADaMIG 1.3 §3.3.4; admiral ``derive_var_pchg``). Both are computed exactly on the decimals
the floats stand for and rounded once (see ``_frame``), so CHG of 7.6 and 1.9 is 5.7.

``filter`` restricts the derivation (admiral ``restrict_derivation``): the BDS datasets
derive change only after baseline, as admiral's templates do (``filter = AVISITN > 0``).

The protocol's PASI improvement rate (B - P)/B x 100 (architecture.md) is ``-PCHG``: never
clamped, negative when PASI worsened, undefined for a baseline of 0.
"""

from __future__ import annotations

import polars as pl

from psotrial.adam._frame import (
    compute_exact_difference,
    compute_exact_percent_change,
    require_columns,
)

__all__ = ["derive_var_chg", "derive_var_pchg"]


def derive_var_chg(
    dataset: pl.DataFrame, *, new_var: str = "CHG", filter: pl.Expr | None = None
) -> pl.DataFrame:
    """Add ``CHG = AVAL - BASE`` (null when either is null).

    Raises:
        MissingVariablesError: AVAL or BASE is absent.

    Example:
        >>> ds = pl.DataFrame({"AVAL": [1.9, None], "BASE": [7.6, 7.6]})
        >>> derive_var_chg(ds)["CHG"].to_list()
        [-5.7, None]
    """
    require_columns(dataset, ["AVAL", "BASE"])
    values = compute_exact_difference(dataset, "AVAL", "BASE", name=new_var)
    return _restrict(dataset, values, filter)


def derive_var_pchg(
    dataset: pl.DataFrame, *, new_var: str = "PCHG", filter: pl.Expr | None = None
) -> pl.DataFrame:
    """Add ``PCHG = (AVAL - BASE) / |BASE| * 100``; null when BASE is 0 or either is null.

    Raises:
        MissingVariablesError: AVAL or BASE is absent.

    Example:
        >>> ds = pl.DataFrame({"AVAL": [1.9, 18.0, 3.0], "BASE": [7.6, 15.0, 0.0]})
        >>> derive_var_pchg(ds)["PCHG"].to_list()
        [-75.0, 20.0, None]
    """
    require_columns(dataset, ["AVAL", "BASE"])
    values = compute_exact_percent_change(dataset, "AVAL", "BASE", name=new_var)
    return _restrict(dataset, values, filter)


def _restrict(dataset: pl.DataFrame, values: pl.Series, filter: pl.Expr | None) -> pl.DataFrame:
    """admiral ``restrict_derivation``: rows outside ``filter`` get null."""
    out = dataset.with_columns(values)
    if filter is None:
        return out
    return out.with_columns(pl.when(filter).then(pl.col(values.name)).alias(values.name))
