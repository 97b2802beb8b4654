"""ISO 8601 dates and CDISC study days (SDTMIG 3.4 sections 4.4.2 and 4.4.4).

``--DTC`` values are ISO 8601 text, right-truncated for partial dates and without a time
zone (the collected local clock time). ``--DY`` is ``date - RFSTDTC + 1`` on or after the
reference date and ``date - RFSTDTC`` before it, so there is no day 0; it is null unless both
dates are complete. This is :func:`psotrial.schedule.compute_study_day`, vectorised.
"""

from __future__ import annotations

import polars as pl

from psotrial.errors import MissingVariablesError

__all__ = ["derive_var_dy", "dtc_date", "format_dtc"]


def format_dtc(expr: pl.Expr) -> pl.Expr:
    """A date expression as ISO 8601 text (``YYYY-MM-DD``); null stays null."""
    return expr.dt.strftime("%Y-%m-%d")


def dtc_date(expr: pl.Expr) -> pl.Expr:
    """The complete date of an ISO 8601 text (its first 10 characters), else null.

    Partial dates (``2019-03``) and dates with missing middle parts (``2019---15``) give
    null, so no study day is computed from them.
    """
    return expr.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def derive_var_dy(
    dataset: pl.DataFrame, *, dtc: str, new_var: str, reference: str = "RFSTDTC"
) -> pl.DataFrame:
    """Add the CDISC study day of ``dtc`` relative to ``reference`` (both ISO 8601 text).

    Args:
        dataset: has columns ``dtc`` and ``reference``.
        dtc: the date variable, e.g. ``LBDTC``.
        new_var: the study day variable, e.g. ``LBDY``.
        reference: the reference start date variable (RFSTDTC: the first infusion).

    Raises:
        MissingVariablesError: a column is missing.

    Example:
        >>> frame = pl.DataFrame({"RFSTDTC": ["2026-03-02"] * 4,
        ...                       "LBDTC": ["2026-03-02", "2026-03-01", "2026-03-09", "2026-03"]})
        >>> derive_var_dy(frame, dtc="LBDTC", new_var="LBDY")["LBDY"].to_list()
        [1, -1, 8, None]
    """
    missing = [name for name in (dtc, reference) if name not in dataset.columns]
    if missing:
        raise MissingVariablesError(missing)
    days = (dtc_date(pl.col(dtc)) - dtc_date(pl.col(reference))).dt.total_days()
    return dataset.with_columns(
        pl.when(days >= 0).then(days + 1).otherwise(days).cast(pl.Int64).alias(new_var)
    )
