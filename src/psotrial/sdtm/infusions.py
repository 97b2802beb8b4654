"""Infusion start times in the site's local clock time (ISO 8601, no zone).

The infusion form stores an aware timestamp (``2026-03-02T01:30:00Z`` or with an offset).
SDTM date/times carry no time zone unless one is collected as such (cdisc.md 1.5), and the
clinical day of an infusion is the site's day, so the time is converted to the site's time
zone and written without the offset; a naive time is kept as entered.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import polars as pl

from psotrial.sdtm.entries import select_entries
from psotrial.sdtm.source import Captured

__all__ = ["compute_local_dtc", "select_infusions"]

INFUSION_FORM = "infusion"


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def compute_local_dtc(value: str | None, timezone: str | None) -> str | None:
    """An ISO 8601 timestamp as local clock time in ``timezone``, to the minute (or second).

    Example:
        >>> compute_local_dtc("2026-03-02T01:30:00Z", "Asia/Shanghai")
        '2026-03-02T09:30'
        >>> compute_local_dtc("2026-03-02T23:30:15+00:00", "Asia/Shanghai")
        '2026-03-03T07:30:15'
        >>> compute_local_dtc("2026-03-02", "Asia/Shanghai")
        '2026-03-02'
    """
    if value is None:
        return None
    if len(value) <= 10:
        return value
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is not None and timezone:
        moment = moment.astimezone(_zone(timezone)).replace(tzinfo=None)
    elif moment.tzinfo is not None:
        moment = moment.replace(tzinfo=None)
    return moment.isoformat(timespec="seconds" if moment.second else "minutes")


def select_infusions(captured: Captured, subjects: pl.DataFrame) -> pl.DataFrame:
    """Submitted infusion entries with ``EXSTDTC`` (local ISO 8601) and ``infusion_date``."""
    infusions = select_entries(
        captured,
        subjects,
        INFUSION_FORM,
        [
            "infusion_number",
            "start_time",
            "weight_kg_used",
            "planned_cells",
            "actual_cells",
            "lot_number",
            "completed",
            "reaction",
        ],
    )
    zones = dict(captured.sites.select("site_code", "timezone").iter_rows())
    local = [
        compute_local_dtc(start, zones.get(site))
        for start, site in zip(
            infusions.get_column("start_time"), infusions.get_column("SITEID"), strict=True
        )
    ]
    return infusions.with_columns(pl.Series("EXSTDTC", local, dtype=pl.String)).with_columns(
        pl.col("EXSTDTC")
        .str.slice(0, 10)
        .str.to_date("%Y-%m-%d", strict=False)
        .alias("infusion_date")
    )
