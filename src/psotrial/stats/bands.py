"""DLQI bands and the baseline x week-12 band shift table. PURE.

Bands (Hongbo et al., J Invest Dermatol 2005;125:659-664; domain.md section 3): 0-1 no
effect, 2-5 small, 6-10 moderate, 11-20 very large, 21-30 extremely large effect on the
patient's life. DLQI totals are integers, so the bands are decided on integers.
"""

from __future__ import annotations

import polars as pl

from psotrial.stats.analysis import ShiftTable
from psotrial.stats.records import filter_analysis_records, filter_population, require_columns
from psotrial.stats.safety import build_shift_table

__all__ = ["DLQI_BANDS", "build_dlqi_band_shift", "derive_var_dlqi_band"]

DLQI_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 1, "0-1 no effect"),
    (2, 5, "2-5 small effect"),
    (6, 10, "6-10 moderate effect"),
    (11, 20, "11-20 very large effect"),
    (21, 30, "21-30 extremely large effect"),
)


def derive_var_dlqi_band(dataset: pl.DataFrame, *, new_var: str = "BAND") -> pl.DataFrame:
    """Add the DLQI band of AVAL (null when AVAL is null or outside 0-30).

    Example:
        >>> f = pl.DataFrame({"AVAL": [0.0, 1.0, 2.0, 10.0, 11.0, 30.0, None]})
        >>> derive_var_dlqi_band(f)["BAND"].to_list()  # doctest: +NORMALIZE_WHITESPACE
        ['0-1 no effect', '0-1 no effect', '2-5 small effect', '6-10 moderate effect',
         '11-20 very large effect', '21-30 extremely large effect', None]
    """
    require_columns(dataset, ["AVAL"], "ADQS")
    total = pl.col("AVAL").round(0).cast(pl.Int64)
    expr = pl.lit(None, pl.String)
    for low, high, label in reversed(DLQI_BANDS):
        expr = pl.when(total.is_between(low, high)).then(pl.lit(label)).otherwise(expr)
    return dataset.with_columns(expr.alias(new_var))


def build_dlqi_band_shift(
    adqs: pl.DataFrame, *, avisit: str, population: str = "FASFL"
) -> ShiftTable:
    """Participants by baseline DLQI band (rows) x band at ``avisit`` (observed; columns).

    Every participant of the population with a baseline or a value is counted; a missing
    band is "Missing".
    """
    require_columns(adqs, ["USUBJID", "PARAMCD", "ABLFL", "AVISIT", population], "ADQS")
    data = filter_population(adqs, population)
    base = (
        derive_var_dlqi_band(data.filter(pl.col("PARAMCD") == "DLQITOT", pl.col("ABLFL") == "Y"))
        .group_by("USUBJID")
        .agg(pl.col("BAND").first().alias("B"))
    )
    later = (
        derive_var_dlqi_band(
            filter_analysis_records(data, "DLQITOT").filter(pl.col("AVISIT") == avisit)
        )
        .group_by("USUBJID")
        .agg(pl.col("BAND").first().alias("W"))
    )
    both = base.join(later, on="USUBJID", how="full", coalesce=True)
    order = tuple(label for _, _, label in DLQI_BANDS)
    title = f"DLQI band at baseline x band at {avisit.lower()}"
    return build_shift_table(both, row="B", column="W", order=order, title=title)
