"""Continuous outcomes at a visit: baseline, value, change, signed-rank test, listing. PURE.

Used for the primary outcome (PASI improvement rate at week 12), PASI, pruritus VAS, BSA%
and DLQI. Summaries are over observed analysis records (ANL01FL = Y, DTYPE null) of the
full analysis set; imputed records are never summarised as if they were values.
"""

from __future__ import annotations

import polars as pl

from psotrial.stats.analysis import (
    LISTING_CAP,
    ContinuousOutcome,
    MixedModel,
    NotEstimable,
    OutcomeHeader,
    ParticipantValue,
    ResponderRate,
    ShiftTable,
    VisitSummary,
)
from psotrial.stats.descriptive import compute_summary
from psotrial.stats.records import filter_analysis_records, filter_population, require_columns
from psotrial.stats.signed_rank import compute_signed_rank

__all__ = ["build_continuous_outcome", "build_participant_values", "build_visit_summaries"]

_BDS = ["USUBJID", "PARAMCD", "PARAM", "AVAL", "BASE", "CHG", "ABLFL", "ANL01FL", "DTYPE"]


def build_visit_summaries(bds: pl.DataFrame, paramcd: str) -> tuple[VisitSummary, ...]:
    """Value and change summaries at every post-baseline analysis visit (observed cases).

    Example:
        >>> bds = pl.DataFrame({"PARAMCD": ["P"] * 4, "ANL01FL": ["Y"] * 4,
        ...     "DTYPE": [None] * 4, "AVISIT": ["WEEK 0", "WEEK 2", "WEEK 2", "WEEK 4"],
        ...     "AVISITN": [0.0, 2.0, 2.0, 4.0], "AVAL": [10.0, 8.0, 6.0, 5.0],
        ...     "CHG": [None, -2.0, -4.0, -5.0]})
        >>> [(v.avisit, v.value.n, v.change.mean) for v in build_visit_summaries(bds, "P")]
        [('WEEK 2', 2, -3.0), ('WEEK 4', 1, -5.0)]
    """
    records = (
        filter_analysis_records(bds, paramcd)
        .filter(pl.col("AVISITN") > 0)
        .select("AVISIT", "AVISITN", "AVAL", "CHG")
    )
    out = []
    for rows in records.partition_by("AVISITN", maintain_order=False):
        out.append(
            VisitSummary(
                str(rows["AVISIT"][0]),
                float(rows["AVISITN"][0]),
                compute_summary(rows["AVAL"]),
                compute_summary(rows["CHG"]),
            )
        )
    return tuple(sorted(out, key=lambda v: v.avisitn))


def build_participant_values(
    bds: pl.DataFrame,
    participants: pl.Series,
    *,
    paramcd: str,
    avisit: str,
    improvement_paramcd: str | None = None,
) -> tuple[tuple[ParticipantValue, ...], str | None]:
    """Each participant's baseline, value, change (and improvement %) at ``avisit``.

    Every participant in ``participants`` is listed (missing values as None); with more
    than :data:`LISTING_CAP` participants the listing is left out and the note says so.
    """
    if participants.len() > LISTING_CAP:
        return (), f"not listed: {participants.len()} participants > {LISTING_CAP}"
    base = (
        bds.filter(pl.col("PARAMCD") == paramcd, pl.col("ABLFL") == "Y")
        .select("USUBJID", pl.col("AVAL").alias("__base"))
        .unique("USUBJID", keep="first")
    )
    at_visit = filter_analysis_records(bds, paramcd, observed=False).filter(
        pl.col("AVISIT") == avisit
    )
    cols = [pl.col("USUBJID"), pl.col("AVAL"), pl.col("CHG"), pl.col("ADY"), pl.col("DTYPE")]
    at_visit = at_visit.select(cols).unique("USUBJID", keep="first")
    frame = (
        pl.DataFrame({"USUBJID": participants.unique(maintain_order=True)})
        .join(base, on="USUBJID", how="left")
        .join(at_visit, on="USUBJID", how="left")
    )
    if improvement_paramcd is not None:
        improvement = (
            filter_analysis_records(bds, improvement_paramcd, observed=False)
            .filter(pl.col("AVISIT") == avisit)
            .select("USUBJID", pl.col("AVAL").alias("__impr"))
            .unique("USUBJID", keep="first")
        )
        frame = frame.join(improvement, on="USUBJID", how="left")
    else:
        frame = frame.with_columns(pl.lit(None, pl.Float64).alias("__impr"))
    rows = tuple(
        ParticipantValue(
            usubjid=r["USUBJID"],
            baseline=r["__base"],
            value=r["AVAL"],
            change=r["CHG"],
            improvement_pct=r["__impr"],
            ady=r["ADY"],
            imputed=r["DTYPE"],
        )
        for r in frame.sort("USUBJID").iter_rows(named=True)
    )
    return rows, None


def build_continuous_outcome(
    bds: pl.DataFrame,
    *,
    paramcd: str,
    avisit: str,
    outcome: OutcomeHeader | None,
    value_paramcd: str | None = None,
    population: str = "FASFL",
    responders: tuple[ResponderRate, ...] = (),
    shift: ShiftTable | None = None,
    mixed_model: MixedModel | NotEstimable | None = None,
) -> ContinuousOutcome:
    """Baseline, value at ``avisit``, change, the signed-rank test and the listing.

    Args:
        bds: an ADaM BDS dataset (ADPASI or ADQS).
        paramcd: the parameter whose baseline and change are summarised.
        avisit: the outcome's analysis visit ("WEEK 12").
        outcome: the registered outcome, if any.
        value_paramcd: a parameter summarised as the value instead of ``paramcd``'s AVAL
            (PASIIMPR for the improvement rate); its AVAL is also listed.
        population: the ADSL flag of the analysed population.
        responders, shift, mixed_model: computed elsewhere, carried along.
    """
    require_columns(bds, [*_BDS, "AVISIT", "AVISITN", "ADY", population], "BDS")
    keep = {paramcd, value_paramcd}
    data = filter_population(bds.filter(pl.col("PARAMCD").is_in(keep)), population)
    param_rows = data.filter(pl.col("PARAMCD") == paramcd)
    param = param_rows["PARAM"].drop_nulls().first() if param_rows.height else paramcd
    unit = None
    if "AVALU" in data.columns and param_rows.height:
        unit = param_rows["AVALU"].drop_nulls().first()
    # In input order: a float mean depends on the order of its terms, and unique() without
    # maintain_order returns a different order from run to run (the last digits varied).
    baseline = param_rows.filter(pl.col("ABLFL") == "Y").unique(
        "USUBJID", keep="first", maintain_order=True
    )
    at_visit = filter_analysis_records(data, paramcd).filter(pl.col("AVISIT") == avisit)
    value_rows = at_visit
    if value_paramcd is not None:
        value_rows = filter_analysis_records(data, value_paramcd).filter(pl.col("AVISIT") == avisit)
    participants = data.select("USUBJID").unique()["USUBJID"]
    listing, note = build_participant_values(
        data,
        participants,
        paramcd=paramcd,
        avisit=avisit,
        improvement_paramcd=value_paramcd,
    )
    return ContinuousOutcome(
        outcome=outcome,
        paramcd=paramcd,
        param=str(param),
        unit=None if unit is None else str(unit),
        avisit=avisit,
        population=population,
        baseline=compute_summary(baseline["AVAL"]),
        value=compute_summary(value_rows["AVAL"]),
        change=compute_summary(at_visit["CHG"]),
        signed_rank=compute_signed_rank(at_visit["CHG"]),
        participants=listing,
        participants_note=note,
        over_time=build_visit_summaries(data, paramcd),
        responders=responders,
        shift=shift,
        mixed_model=mixed_model,
    )
