"""Date rules: ISO 8601 ``--DTC`` values, ``--DY`` against RFSTDTC, start before end. PURE.

SDTMIG 3.4 section 4.4 (docs/cdisc.md section 1.5): ``--DTC`` is ISO 8601 extended
format ``YYYY-MM-DDThh:mm:ss``, right-truncated for partial dates, with ``-`` standing in
for a missing component in the middle (``2019---15``) and an optional time zone.
``--DY = date - RFSTDTC + 1`` on or after RFSTDTC, ``date - RFSTDTC`` before it: there is no
day 0, and both dates must be complete.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import polars as pl

from psotrial.conformance.findings import Context, Issue, record_label

__all__ = [
    "check_dtc_format",
    "check_no_day_zero",
    "check_start_before_end",
    "check_study_day",
    "complete_date",
    "is_iso8601_dtc",
    "study_day",
]

_PART = r"(\d{2}|-)"
_DTC = re.compile(
    rf"(?P<year>\d{{4}}|-)"
    rf"(?:-(?P<month>{_PART})"
    rf"(?:-(?P<day>{_PART})"
    rf"(?:T(?P<hour>{_PART})"
    rf"(?::(?P<minute>{_PART})"
    r"(?::(?P<second>\d{2}(?:\.\d+)?))?"
    r")?(?P<tz>Z|[+-]\d{2}(?::\d{2})?)?"
    r")?)?)?"
)
_COMPLETE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LIMITS = {"month": (1, 12), "day": (1, 31), "hour": (0, 23), "minute": (0, 59)}


def is_iso8601_dtc(value: str) -> bool:
    """True when ``value`` is an SDTM ISO 8601 date/time (possibly partial).

    Example:
        >>> [is_iso8601_dtc(v) for v in ["2019-01-15T09:30", "2019---15", "2019-1-5",
        ...                              "2019-02-30", "2019-01-", "15/01/2019"]]
        [True, True, False, False, False, False]
    """
    match = _DTC.fullmatch(value)
    if match is None:
        return False
    parts = {k: v for k, v in match.groupdict().items() if v is not None and k != "tz"}
    # Right-truncate, never pad: the last component given must be a value.
    last = list(parts.values())[-1]
    if last == "-":
        return False
    for key, (low, high) in _LIMITS.items():
        text = parts.get(key)
        if text not in (None, "-") and not low <= int(text) <= high:
            return False
    second = parts.get("second")
    if second is not None and float(second) >= 60:
        return False
    return complete_date(value) is not None or _COMPLETE_DATE.match(value) is None


def complete_date(value: str | None) -> date | None:
    """The calendar date of a ``--DTC`` value when year, month and day are all known.

    Example:
        >>> complete_date("2026-03-02T09:00"), complete_date("2026-03"), complete_date("2026-02-30")
        (datetime.date(2026, 3, 2), None, None)
    """
    if value is None or not _COMPLETE_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def study_day(day: date, reference: date) -> int:
    """SDTMIG 3.4 section 4.4.4 study day: no day 0.

    Example:
        >>> first = date(2026, 3, 2)
        >>> study_day(date(2026, 3, 2), first), study_day(date(2026, 3, 1), first)
        (1, -1)
    """
    delta = (day - reference).days
    return delta + 1 if delta >= 0 else delta


def _dtc_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c.endswith("DTC") and frame[c].dtype == pl.String]


def check_dtc_format(context: Context) -> Iterator[Issue]:
    """Every ``--DTC`` value is ISO 8601 (SDTMIG 3.4 section 4.4.1)."""
    for name, frame in context.frames.items():
        for column in _dtc_columns(frame):
            for row, value in enumerate(frame[column].to_list()):
                if value is not None and not is_iso8601_dtc(value):
                    yield Issue(
                        name,
                        column,
                        record_label(frame, row, name),
                        f"{value!r} is not an ISO 8601 date/time "
                        "(YYYY-MM-DDThh:mm:ss, right-truncated)",
                    )


def _reference_dates(context: Context) -> dict[str, date | None]:
    dm = context.frames.get("DM")
    if dm is None or "USUBJID" not in dm.columns or "RFSTDTC" not in dm.columns:
        return {}
    return {
        subject: complete_date(reference)
        for subject, reference in zip(dm["USUBJID"].to_list(), dm["RFSTDTC"].to_list(), strict=True)
    }


def _dy_pairs(frame: pl.DataFrame) -> list[tuple[str, str]]:
    pairs = []
    for column in frame.columns:
        dtc = f"{column[:-2]}DTC"
        if (
            column.endswith("DY")
            and column != "VISITDY"
            and dtc in frame.columns
            and frame[column].dtype.is_numeric()
            and frame[dtc].dtype == pl.String
        ):
            pairs.append((column, dtc))
    return pairs


def check_study_day(context: Context) -> Iterator[Issue]:
    """``--DY`` equals the study day of ``--DTC`` relative to the subject's RFSTDTC, and is
    null when either date is partial or missing."""
    references = _reference_dates(context)
    for name, frame in context.frames.items():
        if "USUBJID" not in frame.columns:
            continue
        subjects = frame["USUBJID"].to_list()
        for dy, dtc in _dy_pairs(frame):
            for row, (subject, day, value) in enumerate(
                zip(subjects, frame[dy].to_list(), frame[dtc].to_list(), strict=True)
            ):
                if day is None:
                    continue
                reference = references.get(subject)
                when = complete_date(value)
                if reference is None or when is None:
                    yield Issue(
                        name,
                        dy,
                        record_label(frame, row, name),
                        f"{dy}={day:g} but {dtc}={value!r} or RFSTDTC is not a complete date; "
                        f"{dy} must be null",
                    )
                elif day != study_day(when, reference):
                    yield Issue(
                        name,
                        dy,
                        record_label(frame, row, name),
                        f"{dy}={day:g} but {dtc}={value} with RFSTDTC={reference} gives "
                        f"{study_day(when, reference)}",
                    )


def check_no_day_zero(context: Context) -> Iterator[Issue]:
    """No study-day variable (``--DY``, ``--STDY``, ``--ENDY``, ``ADY``, ``ASTDY``) is 0."""
    for name, frame in context.frames.items():
        for column in frame.columns:
            if column.endswith("DY") and frame[column].dtype.is_numeric():
                for row in (frame[column] == 0).fill_null(False).arg_true().to_list():
                    yield Issue(
                        name,
                        column,
                        record_label(frame, row, name),
                        f"{column} is 0: there is no day 0",
                    )


def _comparable(start: str, end: str) -> tuple[str, str] | None:
    # Compare only the leading components both values give, and only when neither uses a
    # "-" placeholder: "2019-05" vs "2019-04-30" compares "2019-05" with "2019-04".
    if "--" in start or "--" in end or start.startswith("-") or end.startswith("-"):
        return None
    if _has_zone(start) or _has_zone(end):
        start, end = start.split("T")[0], end.split("T")[0]
    width = min(len(start), len(end))
    return start[:width], end[:width]


def _has_zone(value: str) -> bool:
    time = value.partition("T")[2]
    return "Z" in time or "+" in time or "-" in time


def check_start_before_end(context: Context) -> Iterator[Issue]:
    """``--STDTC`` is on or before ``--ENDTC`` in the same record (compared at the
    precision both give)."""
    for name, frame in context.frames.items():
        for start_column in [c for c in _dtc_columns(frame) if c.endswith("STDTC")]:
            end_column = f"{start_column[:-5]}ENDTC"
            if end_column not in frame.columns or frame[end_column].dtype != pl.String:
                continue
            for row, (start, end) in enumerate(
                zip(frame[start_column].to_list(), frame[end_column].to_list(), strict=True)
            ):
                if start is None or end is None:
                    continue
                if not (is_iso8601_dtc(start) and is_iso8601_dtc(end)):
                    continue
                pair = _comparable(start, end)
                if pair is not None and pair[0] > pair[1]:
                    yield Issue(
                        name,
                        start_column,
                        record_label(frame, row, name),
                        f"{start_column}={start} is after {end_column}={end}",
                    )
