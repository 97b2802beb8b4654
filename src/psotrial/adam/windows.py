"""Analysis visits: windows from the protocol, AVISIT/AVISITN, and the analysis record.

Rules (architecture.md, "Decisions already taken"; ProtocolSettings.analysis_visit and
out_of_window):

- Each protocol visit is a window of study days ``[first_day, last_day]`` around its
  target (``Visit.day``; CDISC days, no day 0). A record whose ADY falls in a window gets
  that window's AVISIT/AVISITN and the ADaMIG windowing variables AWTARGET, AWLO, AWHI,
  AWTDIFF (calendar days from target) and AWU. Should windows overlap, the closest target
  wins, the earlier on a tie.
- A dated record in no window keeps its SDTM VISIT but gets no AVISIT, and OUTWINFL = "Y"
  (sponsor variable): it is listed, never chosen as an analysis record, so never used for
  the primary endpoint.
- ANL01FL = "Y" on one record per participant, parameter and AVISIT: the non-missing
  value closest to the target, the earlier on a tie (then the lower SDTM sequence).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from psotrial.adam._frame import require_columns, temp_name
from psotrial.adam.baseline import derive_var_extreme_flag
from psotrial.protocol import Protocol, Visit

__all__ = [
    "AnalysisWindow",
    "compute_analysis_windows",
    "derive_var_anl01fl",
    "derive_vars_avisit",
]


@dataclass(frozen=True)
class AnalysisWindow:
    """One analysis visit: its names, target study day and window (inclusive)."""

    visit: str
    avisit: str
    avisitn: float
    target: int
    low: int
    high: int


def compute_analysis_windows(
    protocol: Protocol, *, form: str | None = None
) -> tuple[AnalysisWindow, ...]:
    """The protocol's visits as analysis windows, optionally only where ``form`` is due.

    AVISIT is ``WEEK w`` for a visit with a week (AVISITN = w), else the visit name in
    upper case with AVISITN -1 for visits before Day 1 (screening).

    Example:
        >>> from psotrial.protocol import load_protocol
        >>> windows = compute_analysis_windows(load_protocol("nct03745417"), form="dlqi")
        >>> [(w.avisit, w.avisitn, w.low, w.high) for w in windows][:3]
        [('SCREENING', -1.0, -28, -1), ('WEEK 0', 0.0, 1, 1), ('WEEK 4', 4.0, 26, 32)]
    """
    return tuple(_window(visit) for visit in protocol.visits if form is None or form in visit.forms)


def _window(visit: Visit) -> AnalysisWindow:
    if visit.week is not None:
        name, number = f"WEEK {visit.week}", float(visit.week)
    else:
        name, number = visit.name.upper(), -1.0 if visit.day < 1 else float(visit.day)
    return AnalysisWindow(visit.code, name, number, visit.day, visit.first_day, visit.last_day)


def _ordinal(day: int) -> int:
    """Calendar offset from Day 1 (Day 1 -> 0, Day -1 -> -1): study days skip 0."""
    return day - 1 if day > 0 else day


def derive_vars_avisit(
    dataset: pl.DataFrame, *, windows: Sequence[AnalysisWindow], day_var: str = "ADY"
) -> pl.DataFrame:
    """Add AVISIT, AVISITN, AWTARGET, AWLO, AWHI, AWTDIFF, AWU and OUTWINFL from ``day_var``.

    Raises:
        MissingVariablesError: ``day_var`` is absent.

    Example:
        >>> from psotrial.protocol import load_protocol
        >>> windows = compute_analysis_windows(load_protocol("nct03745417"))
        >>> ds = pl.DataFrame({"ADY": [1, 83, 89, None]})
        >>> out = derive_vars_avisit(ds, windows=windows)
        >>> out.select("AVISIT", "AWTDIFF", "OUTWINFL").rows()
        [('WEEK 0', 0, None), ('WEEK 12', 2, None), (None, None, 'Y'), (None, None, None)]
    """
    require_columns(dataset, [day_var])
    # The window depends on the day alone: decide each distinct day once (a trial's days
    # are a bounded set whatever the number of records), then join.
    days = dataset.get_column(day_var).cast(pl.Int64).unique().drop_nulls().to_list()
    columns: dict[str, list[object]] = {
        name: [] for name in ("AVISIT", "AVISITN", "AWTARGET", "AWLO", "AWHI", "AWTDIFF")
    }
    outside: list[str | None] = []
    for day in days:
        chosen = _closest(int(day), windows)
        if chosen is None:
            for values in columns.values():
                values.append(None)
            outside.append("Y")
            continue
        columns["AVISIT"].append(chosen.avisit)
        columns["AVISITN"].append(chosen.avisitn)
        columns["AWTARGET"].append(chosen.target)
        columns["AWLO"].append(chosen.low)
        columns["AWHI"].append(chosen.high)
        columns["AWTDIFF"].append(abs(_ordinal(int(day)) - _ordinal(chosen.target)))
        outside.append(None)
    types: dict[str, pl.DataType] = {
        "AVISIT": pl.String(),
        "AVISITN": pl.Float64(),
        "AWTARGET": pl.Int64(),
        "AWLO": pl.Int64(),
        "AWHI": pl.Int64(),
        "AWTDIFF": pl.Int64(),
    }
    key = temp_name(dataset, "day")
    table = pl.DataFrame(
        [
            pl.Series(key, days, dtype=pl.Int64),
            *(pl.Series(name, values, dtype=types[name]) for name, values in columns.items()),
            pl.Series("OUTWINFL", outside, dtype=pl.String),
        ]
    )
    new = [*types, "OUTWINFL"]
    return (
        dataset.drop([c for c in new if c in dataset.columns] + ["AWU"], strict=False)
        .with_columns(pl.col(day_var).cast(pl.Int64).alias(key))
        .join(table, on=key, how="left", maintain_order="left")
        .drop(key)
        .with_columns(pl.when(pl.col("AVISIT").is_not_null()).then(pl.lit("DAYS")).alias("AWU"))
    )


def _closest(day: int, windows: Sequence[AnalysisWindow]) -> AnalysisWindow | None:
    inside = [w for w in windows if w.low <= day <= w.high]
    if not inside:
        return None
    return min(inside, key=lambda w: (abs(_ordinal(day) - _ordinal(w.target)), w.target))


def derive_var_anl01fl(
    dataset: pl.DataFrame,
    *,
    by_vars: Sequence[str] = ("USUBJID", "PARAMCD", "AVISIT"),
    order: Sequence[str] = ("AWTDIFF", "ADT", "SRCSEQ"),
    new_var: str = "ANL01FL",
    filter: pl.Expr | None = None,
) -> pl.DataFrame:
    """Flag the analysis record per window: closest to target, earlier on a tie.

    Candidates have an AVISIT and a non-missing AVAL, and are not imputed (DTYPE null),
    plus ``filter`` when given.

    Raises:
        MissingVariablesError: AVISIT, AVAL or a by/order variable is absent.

    Example:
        >>> from datetime import date
        >>> ds = pl.DataFrame({"USUBJID": ["1"] * 3, "PARAMCD": ["P"] * 3,
        ...     "AVISIT": ["WEEK 12"] * 3, "AVAL": [5.0, 6.0, None],
        ...     "AWTDIFF": [2, 2, 0], "ADT": [date(2026, 5, 24), date(2026, 5, 28), None]})
        >>> derive_var_anl01fl(ds)["ANL01FL"].to_list()
        ['Y', None, None]
    """
    require_columns(dataset, ["AVISIT", "AVAL"])
    candidate = pl.col("AVISIT").is_not_null() & pl.col("AVAL").is_not_null()
    if "DTYPE" in dataset.columns:
        candidate = candidate & pl.col("DTYPE").is_null()
    if filter is not None:
        candidate = candidate & filter
    present = [column for column in order if column in dataset.columns]
    return derive_var_extreme_flag(
        dataset, by_vars=by_vars, order=present, new_var=new_var, mode="first", filter=candidate
    )
