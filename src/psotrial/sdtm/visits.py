"""VISITNUM, VISIT and VISITDY from the trial visits (TV), by the protocol's visit code.

VISITNUM is the visit's position in the protocol's schedule (1 = screening), so it is
numeric and increases with time; VISIT is ``WEEK n`` for week visits and the visit's name
in upper case otherwise; VISITDY is the planned study day (cdisc.md section 1.5).
"""

from __future__ import annotations

import polars as pl

from psotrial.protocol import Protocol, Visit
from psotrial.sdtm.text import to_ascii

__all__ = ["build_visit_map", "compute_visit_name", "derive_vars_visit"]


def compute_visit_name(visit: Visit) -> str:
    """The SDTM VISIT text of a planned visit.

    Example:
        >>> from psotrial.protocol import load_protocol
        >>> [compute_visit_name(v) for v in load_protocol("nct03745417").visits[:3]]
        ['SCREENING', 'WEEK 0', 'WEEK 2']
    """
    if visit.week is not None:
        return f"WEEK {visit.week}"
    return to_ascii(visit.name).upper()


def build_visit_map(protocol: Protocol) -> pl.DataFrame:
    """One row per planned visit: visit_code, VISITNUM, VISIT, VISITDY, visit_epoch."""
    return pl.DataFrame(
        {
            "visit_code": [v.code for v in protocol.visits],
            "VISITNUM": [float(n) for n in range(1, len(protocol.visits) + 1)],
            "VISIT": [compute_visit_name(v) for v in protocol.visits],
            "VISITDY": [v.day for v in protocol.visits],
            "visit_epoch": [v.epoch for v in protocol.visits],
        },
        schema={
            "visit_code": pl.String,
            "VISITNUM": pl.Float64,
            "VISIT": pl.String,
            "VISITDY": pl.Int64,
            "visit_epoch": pl.String,
        },
    )


def derive_vars_visit(dataset: pl.DataFrame, *, visit_map: pl.DataFrame) -> pl.DataFrame:
    """Add VISITNUM, VISIT, VISITDY (and the planned ``visit_epoch``) by ``visit_code``."""
    # Only the key goes through the join; the found columns are put beside the dataset
    # (a join would copy every column of a million-row findings domain).
    found = dataset.select("visit_code").join(
        visit_map, on="visit_code", how="left", maintain_order="left"
    )
    return dataset.hstack(found.drop("visit_code").get_columns())
