"""Trial elements and each subject's passage through them (TE, TA, SE), and EPOCH.

Elements follow the protocol's epochs in order: the first epoch (screening) is the
screening element ``SCRN``; the epoch of the first infusion visit is the treatment element
(ETCD = the arm code); later epochs are follow-up elements (``FU``, ``FU2``...).

A subject's elements are whole days, end dates inclusive, with no gap and no overlap, so that
every date falls in exactly one element (SDTMIG 3.4 section 5.3 allows dates without times):

* screening: consent date (else screening date) to the day before the first infusion; for a
  subject never dosed, to the disposition date (screen failure, withdrawal) or open;
* treatment: the first infusion date to the actual date of the epoch's last planned visit
  (W12, end of treatment) when it happened, else to the day before the first visit of a later
  epoch, else to the disposition date, else open (on treatment at the data cut);
* follow-up: the day after, to the disposition date or open.

EPOCH of a record is the epoch of the element whose dates contain the record's date.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

import polars as pl

from psotrial.protocol import Protocol
from psotrial.sdtm.dates import dtc_date
from psotrial.sdtm.text import to_ascii

__all__ = ["SCREENING_ELEMENT", "build_elements", "derive_var_epoch", "plan_elements"]

SCREENING_ELEMENT = "SCRN"


def plan_elements(protocol: Protocol) -> list[dict[str, Any]]:
    """The planned elements in order: ETCD, ELEMENT, EPOCH, TESTRL, TEENRL, TAETORD."""
    arm = protocol.arm()
    first_dose_epoch = protocol.visit(arm.infusion_visits[0]).epoch
    planned = []
    follow_ups = 0
    treatment_seen = False
    for order, epoch in enumerate(protocol.epochs, start=1):
        if order == 1:
            etcd, element = SCREENING_ELEMENT, "Screening"
            start = "Informed consent"
            end = "Day before the first infusion, or screen failure"
        elif epoch.code == first_dose_epoch:
            treatment_seen = True
            etcd, element = arm.code[:8], to_ascii(arm.dosing.product)
            start = f"First infusion of {to_ascii(arm.dosing.product)}"
            end = "Last visit of the treatment epoch (end of treatment)"
        else:
            follow_ups += 1
            etcd = "FU" if follow_ups == 1 else f"FU{follow_ups}"
            element = to_ascii(epoch.name)
            start = "Day after the end of the previous element" if treatment_seen else "Start"
            end = "End of study (disposition)"
        planned.append(
            {
                "ETCD": etcd,
                "ELEMENT": element,
                "EPOCH": epoch.code,
                "TESTRL": start,
                "TEENRL": end,
                "TAETORD": order,
            }
        )
    return planned


def build_elements(
    protocol: Protocol, subjects: pl.DataFrame, visits: pl.DataFrame
) -> pl.DataFrame:
    """Each subject's actual elements: USUBJID, ETCD, ELEMENT, EPOCH, TAETORD, start, end.

    Args:
        protocol: gives the epochs and the visits in each.
        subjects: participant_id, USUBJID, RFICDTC, RFSTDTC, dispo_date, screening_date.
        visits: the captured visits (participant_id, visit_code, actual_date).
    """
    planned = plan_elements(protocol)
    epoch_of_visit = {v.code: v.epoch for v in protocol.visits}
    last_visit_of_epoch = {v.epoch: v.code for v in protocol.visits}
    dates: dict[int, dict[str, date]] = {}
    for pid, code, actual in visits.select(
        "participant_id", "visit_code", "actual_date"
    ).iter_rows():
        if actual is not None:
            dates.setdefault(pid, {})[code] = actual
    rows: list[dict[str, Any]] = []
    for subject in subjects.iter_rows(named=True):
        visited = dates.get(subject["participant_id"], {})
        rows.extend(
            _subject_elements(subject, planned, visited, epoch_of_visit, last_visit_of_epoch)
        )
    schema = {
        "USUBJID": pl.String,
        "ETCD": pl.String,
        "ELEMENT": pl.String,
        "EPOCH": pl.String,
        "TAETORD": pl.Int64,
        "start": pl.Date,
        "end": pl.Date,
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _iso(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value and len(value) >= 10 else None


def _subject_elements(
    subject: Mapping[str, Any],
    planned: list[dict[str, Any]],
    visited: Mapping[str, date],
    epoch_of_visit: Mapping[str, str],
    last_visit_of_epoch: Mapping[str, str],
) -> list[dict[str, Any]]:
    first_dose = _iso(subject["RFSTDTC"])
    disposed = _iso(subject["dispo_date"])
    start = _iso(subject["RFICDTC"]) or subject["screening_date"]
    out: list[dict[str, Any]] = []

    def add(element: Mapping[str, Any], begin: date, end: date | None) -> None:
        out.append(
            {
                "USUBJID": subject["USUBJID"],
                "ETCD": element["ETCD"],
                "ELEMENT": element["ELEMENT"],
                "EPOCH": element["EPOCH"],
                "TAETORD": element["TAETORD"],
                "start": begin,
                "end": end,
            }
        )

    screening, *later = planned
    if first_dose is None:
        add(screening, start, disposed)
        return out
    add(screening, start, max(start, first_dose - timedelta(days=1)))
    begin = first_dose
    for position, element in enumerate(later):
        if disposed is not None and begin > disposed:
            break
        end: date | None = None
        if position < len(later) - 1:
            end = visited.get(last_visit_of_epoch.get(element["EPOCH"], ""))
            if end is None:
                later_epochs = {e["EPOCH"] for e in later[position + 1 :]}
                starts = [d for c, d in visited.items() if epoch_of_visit.get(c) in later_epochs]
                end = min(starts) - timedelta(days=1) if starts else None
        if disposed is not None and (end is None or disposed < end):
            end = disposed
        add(element, begin, end)
        if end is None or (disposed is not None and end >= disposed):
            break
        begin = end + timedelta(days=1)
    return out


def derive_var_epoch(
    dataset: pl.DataFrame, *, elements: pl.DataFrame, dtc: str, new_var: str = "EPOCH"
) -> pl.DataFrame:
    """Add the epoch of the subject's element containing the date of ``dtc``.

    A record with no complete date, or dated outside every element (a medication stopped
    before consent), gets a null EPOCH.

    Example:
        >>> elements = pl.DataFrame({"USUBJID": ["A", "A"], "EPOCH": ["SCREENING", "TREATMENT"],
        ...     "TAETORD": [1, 2], "start": [date(2026, 2, 1), date(2026, 3, 2)],
        ...     "end": [date(2026, 3, 1), None]})
        >>> frame = pl.DataFrame({"USUBJID": ["A"] * 3,
        ...                       "AESTDTC": ["2026-03-01", "2026-03-02", "2025-12"]})
        >>> derive_var_epoch(frame, elements=elements, dtc="AESTDTC")["EPOCH"].to_list()
        ['SCREENING', 'TREATMENT', None]
    """
    dated = (
        dataset.with_row_index("__row")
        .select("__row", "USUBJID", dtc_date(pl.col(dtc)).alias("__day"))
        .filter(pl.col("__day").is_not_null())
    )
    matched = (
        dated.join(elements.select("USUBJID", "EPOCH", "TAETORD", "start", "end"), on="USUBJID")
        .filter(
            (pl.col("start") <= pl.col("__day"))
            & (pl.col("end").is_null() | (pl.col("__day") <= pl.col("end")))
        )
        .sort("__row", "TAETORD")
        .group_by("__row", maintain_order=True)
        .first()
        .select("__row", pl.col("EPOCH").alias(new_var))
    )
    # Scattered into place by row number: no join or sort of the whole (wide) dataset.
    epoch = pl.Series(new_var, [None] * dataset.height, dtype=pl.String).scatter(
        matched.get_column("__row"), matched.get_column(new_var)
    )
    base = dataset.drop(new_var) if new_var in dataset.columns else dataset
    return base.with_columns(epoch)
