"""Criterion flags CRITy/CRITyFL/CRITyFN (admiral ``derive_vars_crit_flag``).

ADaMIG 1.3 §3.3.7: CRITy holds the criterion text and must be constant within a
parameter; with ``values_yn`` CRITyFL is "Y"/"N", and null where the condition cannot be
evaluated (a missing AVAL or BASE), exactly as admiral's ``values_yn = TRUE``. Records
outside ``filter`` (e.g. other parameters) get null CRITy and CRITyFL.

The condition is a polars expression. Clinical thresholds must be exact (architecture.md):
build the expression on integers (e.g. PASI tenths) or on a Boolean column computed by an
instrument function, never on a float ratio.
"""

from __future__ import annotations

import polars as pl

from psotrial.errors import DerivationError

__all__ = ["derive_vars_crit_flag"]


def derive_vars_crit_flag(
    dataset: pl.DataFrame,
    *,
    crit_nr: int,
    condition: pl.Expr,
    description: str,
    filter: pl.Expr | None = None,
    values_yn: bool = True,
    create_numeric_flag: bool = False,
) -> pl.DataFrame:
    """Add CRITy and CRITyFL (and CRITyFN) for the criterion ``condition``.

    Args:
        crit_nr: the y in CRITy, 1-99.
        condition: a Boolean expression; null means "cannot be evaluated".
        description: the criterion text stored in CRITy (at most 200 characters).
        filter: records the criterion applies to; others get nulls. A column that already
            exists keeps its value on those records, so several parameters can share CRIT1
            with a description per parameter.
        values_yn: "Y"/"N"/null; otherwise "Y"/null and CRITy only where "Y".
        create_numeric_flag: also add CRITyFN (1/0/null).

    Raises:
        DerivationError: ``crit_nr`` outside 1-99 or ``description`` empty or over 200.

    Example:
        >>> ds = pl.DataFrame({"CHG": [-4.0, -3.0, None]})
        >>> out = derive_vars_crit_flag(ds, crit_nr=1, condition=pl.col("CHG") <= -4,
        ...                             description="CHG <= -4")
        >>> out["CRIT1FL"].to_list(), out["CRIT1"].to_list()
        (['Y', 'N', None], ['CHG <= -4', 'CHG <= -4', 'CHG <= -4'])
    """
    if not 1 <= crit_nr <= 99:
        raise DerivationError(f"crit_nr: expected 1-99, got {crit_nr}")
    if not description or len(description) > 200:
        raise DerivationError("description: expected 1-200 characters")
    crit, flag, numeric = f"CRIT{crit_nr}", f"CRIT{crit_nr}FL", f"CRIT{crit_nr}FN"
    applies = filter if filter is not None else pl.lit(True)
    met = applies & condition
    keep_flag = _keep(dataset, flag, pl.String())
    flag_expr: pl.Expr
    if values_yn:
        flag_expr = (
            pl.when(met)
            .then(pl.lit("Y"))
            .when(applies & ~condition)
            .then(pl.lit("N"))
            .otherwise(keep_flag)
        )
        text_expr = pl.when(applies).then(pl.lit(description))
    else:
        flag_expr = pl.when(met).then(pl.lit("Y")).otherwise(keep_flag)
        text_expr = pl.when(met).then(pl.lit(description))
    new = {
        crit: text_expr.otherwise(_keep(dataset, crit, pl.String())),
        flag: flag_expr,
    }
    if create_numeric_flag:
        numeric_expr = pl.when(met).then(pl.lit(1)).when(applies & ~condition).then(pl.lit(0))
        new[numeric] = numeric_expr.otherwise(_keep(dataset, numeric, pl.Int64())).cast(pl.Int64)
    return dataset.with_columns(expr.alias(name) for name, expr in new.items())


def _keep(dataset: pl.DataFrame, column: str, dtype: pl.DataType) -> pl.Expr:
    if column in dataset.columns:
        return pl.col(column)
    return pl.lit(None, dtype)
