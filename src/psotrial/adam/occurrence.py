"""Treatment-emergent flag for occurrence data (admiral ``derive_var_trtemfl``).

An event is treatment-emergent (cdisc.md §2.3; domain.md §7.3: onset on or after the first
infusion, through the end of follow-up) when

- its start date is on or after the treatment start date and, when ``end_window`` is given,
  on or before the treatment end date plus ``end_window`` days; or
- its start date is unknown and it was still going on (or its end is unknown) at the
  treatment start: admiral counts such events as emergent rather than lose them.

Participants never treated (no treatment start) have no emergent events. Worsening of a
pre-treatment event is not derived: the CRF records one row per event, not intensity changes.
"""

from __future__ import annotations

import polars as pl

from psotrial.adam._frame import require_columns

__all__ = ["derive_var_trtemfl"]


def derive_var_trtemfl(
    dataset: pl.DataFrame,
    *,
    new_var: str = "TRTEMFL",
    start_date: str = "ASTDT",
    end_date: str = "AENDT",
    trt_start_date: str = "TRTSDT",
    trt_end_date: str | None = None,
    end_window: int | None = None,
) -> pl.DataFrame:
    """Add ``new_var`` = "Y" for treatment-emergent records, null otherwise.

    Raises:
        MissingVariablesError: a named date variable is absent.

    Example:
        >>> from datetime import date
        >>> d = date
        >>> ds = pl.DataFrame({"TRTSDT": [d(2026, 3, 2)] * 4,
        ...     "ASTDT": [d(2026, 3, 1), d(2026, 3, 2), None, None],
        ...     "AENDT": [d(2026, 3, 5), None, d(2026, 3, 1), None]})
        >>> derive_var_trtemfl(ds)["TRTEMFL"].to_list()
        [None, 'Y', None, 'Y']
    """
    needed = [start_date, end_date, trt_start_date]
    if trt_end_date is not None:
        needed.append(trt_end_date)
    require_columns(dataset, needed)
    start, end, trt_start = pl.col(start_date), pl.col(end_date), pl.col(trt_start_date)
    on_or_after = start.is_not_null() & (start >= trt_start)
    if trt_end_date is not None and end_window is not None:
        limit = pl.col(trt_end_date) + pl.duration(days=end_window)
        on_or_after = on_or_after & (pl.col(trt_end_date).is_null() | (start <= limit))
    unknown_start = start.is_null() & (end.is_null() | (end >= trt_start))
    emergent = trt_start.is_not_null() & (on_or_after | unknown_start)
    return dataset.with_columns(
        pl.when(emergent).then(pl.lit("Y")).otherwise(pl.lit(None, pl.String)).alias(new_var)
    )
