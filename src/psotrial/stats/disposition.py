"""Participant flow and analysis populations from ADSL (CONSORT). PURE.

Screened: SCRNFL = Y (every DM record: each consented candidate). Screen failure: screened
and not enrolled (ENRLFL = N). Enrolled: ENRLFL = Y. Treated: SAFFL = Y (at least one
infusion). Completed / discontinued / ongoing: EOSSTT among the enrolled; reasons from
DCSREAS. Screen-failure reasons are not an ADSL variable: they are counted from DCSREAS
when ADaM gives one for screen failures, else from an optional SDTM IE dataset passed
with the ADaM datasets (one count per failed criterion, IETESTCD/IETEST), else reported as
not recorded.
"""

from __future__ import annotations

import polars as pl

from psotrial.stats.analysis import CountRow, Disposition, Populations
from psotrial.stats.records import require_columns

__all__ = ["build_disposition", "build_populations"]


def build_populations(adsl: pl.DataFrame) -> Populations:
    """Participants with each population flag = Y.

    Example:
        >>> adsl = pl.DataFrame({"SCRNFL": ["Y", "Y"], "ENRLFL": ["Y", "N"],
        ...     "SAFFL": ["Y", "N"], "FASFL": ["Y", "N"], "PPROTFL": ["N", "N"]})
        >>> build_populations(adsl)
        Populations(screened=2, enrolled=1, safety=1, full_analysis=1, per_protocol=0)
    """
    require_columns(adsl, ["SCRNFL", "ENRLFL", "SAFFL", "FASFL", "PPROTFL"], "ADSL")
    counts = adsl.select((pl.col(c) == "Y").sum() for c in adsl.columns if c.endswith("FL"))
    row = counts.row(0, named=True)
    return Populations(
        screened=int(row["SCRNFL"]),
        enrolled=int(row["ENRLFL"]),
        safety=int(row["SAFFL"]),
        full_analysis=int(row["FASFL"]),
        per_protocol=int(row["PPROTFL"]),
    )


def _counts(values: pl.Series, n: int) -> tuple[CountRow, ...]:
    table = (
        values.fill_null("NOT RECORDED")
        .value_counts()
        .sort(["count", values.name or ""], descending=[True, False])
    )
    return tuple(CountRow(str(label), int(count), n) for label, count in table.iter_rows())


def build_disposition(adsl: pl.DataFrame, *, ie: pl.DataFrame | None = None) -> Disposition:
    """The participant flow: screened, screen failures by reason, enrolled ... analysed."""
    require_columns(adsl, ["USUBJID", "SCRNFL", "ENRLFL", "SAFFL", "EOSSTT", "DCSREAS"], "ADSL")
    screened = adsl.filter(pl.col("SCRNFL") == "Y")
    failures = screened.filter(pl.col("ENRLFL") != "Y")
    enrolled = adsl.filter(pl.col("ENRLFL") == "Y")
    note = None
    if failures.height and failures["DCSREAS"].drop_nulls().len() == failures.height:
        reasons = _counts(failures["DCSREAS"], failures.height)
    elif failures.height and ie is not None and {"USUBJID", "IETEST"} <= set(ie.columns):
        failed = ie.join(failures.select("USUBJID"), on="USUBJID", how="semi")
        per = failed.select("USUBJID", "IETEST").unique()
        reasons = _counts(per["IETEST"], failures.height)
        note = "from SDTM IE: a participant failing several criteria counts under each"
    else:
        reasons = ()
        if failures.height:
            note = "screen-failure reasons are not recorded in ADaM (no IE dataset given)"
    status = enrolled["EOSSTT"]
    discontinued = enrolled.filter(pl.col("EOSSTT") == "DISCONTINUED")
    return Disposition(
        screened=screened.height,
        screen_failures=failures.height,
        screen_failure_reasons=reasons,
        screen_failure_note=note,
        enrolled=enrolled.height,
        treated=int((enrolled["SAFFL"] == "Y").sum()),
        completed=int((status == "COMPLETED").sum()),
        discontinued=discontinued.height,
        ongoing=int((status.is_null() | (status == "ONGOING")).sum()),
        discontinued_reasons=_counts(discontinued["DCSREAS"], discontinued.height),
        populations=build_populations(adsl),
    )
