"""--LOBXFL: the baseline flag of SDTM findings (architecture.md "Baseline").

Baseline is the last non-missing value on or before the first infusion (pre-dose): per
subject and test, among records with a result and a complete date on or before RFXSTDTC's
date, the latest date (then the latest visit) is flagged ``Y``; every other record is null.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from psotrial.errors import MissingVariablesError
from psotrial.sdtm.dates import dtc_date

__all__ = ["derive_var_lobxfl"]


def derive_var_lobxfl(
    dataset: pl.DataFrame,
    *,
    by_vars: Sequence[str],
    dtc: str,
    result: str,
    new_var: str,
    reference: str = "RFXSTDTC",
) -> pl.DataFrame:
    """Flag the last non-missing ``result`` dated on or before ``reference`` per ``by_vars``.

    Args:
        dataset: findings with ``by_vars``, ``dtc``, ``result``, ``reference`` and VISITNUM.
        by_vars: e.g. ``["USUBJID", "LBTESTCD"]``.
        dtc: the collection date variable (ISO 8601 text).
        result: the standardised result; a null or empty result is never baseline.
        new_var: e.g. ``LBLOBXFL``.
        reference: the first exposure date/time (ISO 8601 text; its date part is used).

    Raises:
        MissingVariablesError: a column is missing.

    Example:
        >>> frame = pl.DataFrame({
        ...     "USUBJID": ["A"] * 3, "VSTESTCD": ["WEIGHT"] * 3, "VISITNUM": [1.0, 2.0, 3.0],
        ...     "VSDTC": ["2026-02-20", "2026-03-02", "2026-03-16"],
        ...     "VSSTRESC": ["60", "61", "62"], "RFXSTDTC": ["2026-03-02T09:30"] * 3})
        >>> derive_var_lobxfl(frame, by_vars=["USUBJID", "VSTESTCD"], dtc="VSDTC",
        ...                   result="VSSTRESC", new_var="VSLOBXFL")["VSLOBXFL"].to_list()
        [None, 'Y', None]
    """
    needed = [*by_vars, dtc, result, reference, "VISITNUM"]
    missing = [name for name in needed if name not in dataset.columns]
    if missing:
        raise MissingVariablesError(missing)
    day = dtc_date(pl.col(dtc))
    chosen = (
        dataset.select(needed)
        .with_row_index("__row")
        .filter(
            pl.col(result).is_not_null()
            & (pl.col(result).cast(pl.String) != "")
            & day.is_not_null()
            & (day <= dtc_date(pl.col(reference)))
        )
        .with_columns(day.alias("__day"))
        # The last by (date, visit, row) within each group; the text keys are only hashed.
        .group_by(list(by_vars))
        .agg(pl.col("__row").sort_by(["__day", "VISITNUM", "__row"]).last())
        .get_column("__row")
    )
    flagged = pl.Series(new_var, [None] * dataset.height, dtype=pl.String).scatter(chosen, "Y")
    return dataset.with_columns(flagged)
