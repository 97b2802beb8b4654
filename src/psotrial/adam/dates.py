"""Analysis dates and study days (admiral ``derive_vars_dt``, ``derive_vars_dy``).

- ``--DTC`` is ISO 8601 text, right-truncated when partial (cdisc.md §1.5). A complete date
  becomes the date; a partial one is imputed only up to ``highest_imputation`` ("D": the day;
  "M": month and day), to the first or the last possible day, and the imputation flag
  ``<prefix>DTF`` says what was imputed ("D" or "M"; ADaMIG 1.3 §3.1.3).
- Study day: ADY = ADT - TRTSDT + 1 on or after TRTSDT, ADT - TRTSDT before; no day 0
  (SDTMIG §4.4.4; the same rule as ``psotrial.schedule.compute_study_day``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date
from typing import Literal

import polars as pl

from psotrial.adam._frame import require_columns, temp_name
from psotrial.errors import DerivationError

__all__ = ["compute_dtc_date", "derive_vars_dt", "derive_vars_dy"]

_DTC = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def compute_dtc_date(
    dtc: str | None,
    *,
    highest_imputation: Literal["n", "D", "M"] = "n",
    date_imputation: Literal["first", "last"] = "first",
) -> tuple[date | None, str | None]:
    """The date of an ISO 8601 ``--DTC`` and its imputation flag.

    Example:
        >>> compute_dtc_date("2026-03-02T09:30")
        (datetime.date(2026, 3, 2), None)
        >>> compute_dtc_date("2026-02", highest_imputation="D", date_imputation="last")
        (datetime.date(2026, 2, 28), 'D')
        >>> compute_dtc_date("2026", highest_imputation="D")
        (None, None)
    """
    if dtc is None or not dtc.strip():
        return None, None
    match = _DTC.match(dtc.strip())
    if match is None:
        return None, None
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None  # the pattern requires the year
    try:
        if month is not None and day is not None:
            return date(year, month, day), None
        if month is not None and highest_imputation in ("D", "M"):
            last = calendar.monthrange(year, month)[1]
            return date(year, month, 1 if date_imputation == "first" else last), "D"
        if month is None and highest_imputation == "M":
            return (date(year, 1, 1) if date_imputation == "first" else date(year, 12, 31)), "M"
    except ValueError:  # e.g. 2026-02-30: not a date, so no date
        return None, None
    return None, None


def derive_vars_dt(
    dataset: pl.DataFrame,
    *,
    new_vars_prefix: str,
    dtc: str,
    highest_imputation: Literal["n", "D", "M"] = "n",
    date_imputation: Literal["first", "last"] = "first",
    flag_imputation: bool = True,
) -> pl.DataFrame:
    """Add ``<prefix>DT`` (and ``<prefix>DTF``) from the ISO 8601 column ``dtc``.

    Raises:
        MissingVariablesError: ``dtc`` is absent.
        DerivationError: an unknown imputation level.

    Example:
        >>> ds = pl.DataFrame({"AESTDTC": ["2026-03-02", "2026-03", None]})
        >>> out = derive_vars_dt(ds, new_vars_prefix="AST", dtc="AESTDTC", highest_imputation="M")
        >>> out["ASTDT"].to_list()[1], out["ASTDTF"].to_list()
        (datetime.date(2026, 3, 1), [None, 'D', None])
    """
    require_columns(dataset, [dtc])
    if highest_imputation not in ("n", "D", "M"):
        raise DerivationError(
            f"highest_imputation: expected one of n, D, M, got {highest_imputation!r}"
        )
    # Each distinct DTC is parsed once (a trial has a bounded set of dates), then joined.
    texts = dataset.get_column(dtc).cast(pl.String)
    distinct = texts.unique().drop_nulls()
    parsed = [
        compute_dtc_date(
            value, highest_imputation=highest_imputation, date_imputation=date_imputation
        )
        for value in distinct.to_list()
    ]
    key = temp_name(dataset, "dtc")
    table = pl.DataFrame(
        [
            distinct.alias(key),
            pl.Series(f"{new_vars_prefix}DT", [p[0] for p in parsed], dtype=pl.Date),
            pl.Series(f"{new_vars_prefix}DTF", [p[1] for p in parsed], dtype=pl.String),
        ]
    )
    found = texts.alias(key).to_frame().join(table, on=key, how="left", maintain_order="left")
    columns = [found.get_column(f"{new_vars_prefix}DT")]
    if flag_imputation:
        columns.append(found.get_column(f"{new_vars_prefix}DTF"))
    return dataset.with_columns(columns)


def derive_vars_dy(
    dataset: pl.DataFrame,
    *,
    reference_date: str = "TRTSDT",
    source_vars: Sequence[str] = ("ADT",),
) -> pl.DataFrame:
    """Add a study day for each date in ``source_vars`` (ADT -> ADY, ASTDT -> ASTDY).

    Raises:
        MissingVariablesError: the reference date or a source date is absent.

    Example:
        >>> from datetime import date
        >>> ds = pl.DataFrame({"TRTSDT": [date(2026, 3, 2)] * 3,
        ...     "ADT": [date(2026, 3, 1), date(2026, 3, 2), None]})
        >>> derive_vars_dy(ds)["ADY"].to_list()
        [-1, 1, None]
    """
    require_columns(dataset, [reference_date, *source_vars])
    columns = []
    for source in source_vars:
        name = source[:-2] + "DY" if source.endswith("DT") else f"{source}DY"
        # compute_study_day, set-based: the calendar offset, plus one from Day 1 on.
        offset = (
            pl.col(source).cast(pl.Date) - pl.col(reference_date).cast(pl.Date)
        ).dt.total_days()
        columns.append(
            pl.when(offset >= 0).then(offset + 1).otherwise(offset).cast(pl.Int64).alias(name)
        )
    return dataset.with_columns(columns)
