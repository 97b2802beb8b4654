"""Relapse rates in the treatment period and in follow-up, protocol and NPF rules. PURE.

Definitions (architecture.md "Decisions already taken"; registry outcome "Relapse rate";
domain.md section 6), on observed PASITOT analysis records (ANL01FL = Y, DTYPE null) of the
full analysis set, in integer tenths of PASI (B baseline, P at a visit):

- PASI-50 at a visit: ADPASI CRIT1FL = Y (``2P <= B``, decided exactly by ADaM).
- Protocol relapse (primary): a visit after PASI-50 with improvement < 50%, CRIT1FL = N
  (``2P > B``).
- NPF relapse (sensitivity; National Psoriasis Foundation, Gordon et al. JAAD 2005): a visit
  after PASI-50 at which at least half of the best improvement so far is lost,
  ``2(B - P) <= B - best`` (``<`` when ``npf_boundary_inclusive`` is false), ``best`` the
  lowest PASI at any visit up to and including this one (as ``instruments.compute_response``).
- Treatment period: denominator = participants with PASI-50 at a visit up to the end of
  treatment (week 12); relapse = a later visit up to the end of treatment.
- Follow-up: denominator = participants with PASI-50 at the end-of-treatment visit and at
  least one observed follow-up visit (a participant not yet seen in follow-up cannot be
  evaluated); relapse = any follow-up visit.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from psotrial.stats.analysis import LISTING_CAP, Rate, RelapseParticipant
from psotrial.stats.descriptive import compute_rate
from psotrial.stats.records import filter_analysis_records, filter_population, require_columns

__all__ = ["RelapseRates", "build_relapse_rates"]


@dataclass(frozen=True)
class RelapseRates:
    """The four rates and the per-achiever listing (see the module docstring)."""

    treatment_protocol: Rate
    follow_up_protocol: Rate
    treatment_npf: Rate
    follow_up_npf: Rate
    participants: tuple[RelapseParticipant, ...]
    note: str | None


def build_relapse_rates(
    adpasi: pl.DataFrame,
    *,
    end_week: int,
    npf_inclusive: bool = True,
    population: str = "FASFL",
) -> RelapseRates:
    """Relapse rates (protocol and NPF) in the treatment period and in follow-up.

    Args:
        adpasi: ADPASI with PASITOT analysis records and CRIT1FL.
        end_week: the week of the end-of-treatment visit (12).
        npf_inclusive: NPF relapse when exactly half of the best improvement is lost.
        population: ADSL flag of the analysed population.

    Example (one participant: B 20, PASI 12, 9, 12 at weeks 4, 8, 12, then 11 at week 16;
    PASI-50 at week 8, protocol relapse at week 12 (2 x 12 > 20), PASI-50 lost at week
    12 so no follow-up denominator):
        >>> adpasi = pl.DataFrame({"USUBJID": ["a"] * 4, "PARAMCD": ["PASITOT"] * 4,
        ...     "ANL01FL": ["Y"] * 4, "DTYPE": [None] * 4, "FASFL": ["Y"] * 4,
        ...     "AVISIT": ["WEEK 4", "WEEK 8", "WEEK 12", "WEEK 16"],
        ...     "AVISITN": [4.0, 8.0, 12.0, 16.0], "BASE": [20.0] * 4,
        ...     "AVAL": [12.0, 9.0, 12.0, 11.0], "CRIT1FL": ["N", "Y", "N", "N"]})
        >>> rates = build_relapse_rates(adpasi, end_week=12)
        >>> (rates.treatment_protocol.count, rates.treatment_protocol.n)
        (1, 1)
        >>> (rates.treatment_npf.count, rates.follow_up_protocol.n)
        (0, 0)
    """
    require_columns(
        adpasi, ["USUBJID", "AVISIT", "AVISITN", "BASE", "AVAL", "CRIT1FL", population], "ADPASI"
    )
    records = (
        filter_analysis_records(filter_population(adpasi, population), "PASITOT")
        .filter(pl.col("AVISITN") > 0, pl.col("AVAL").is_not_null(), pl.col("BASE") > 0)
        .select(
            "USUBJID",
            "AVISIT",
            "AVISITN",
            (pl.col("BASE") * 10).round(0).cast(pl.Int64).alias("B"),
            (pl.col("AVAL") * 10).round(0).cast(pl.Int64).alias("P"),
            (pl.col("CRIT1FL") == "Y").alias("R50"),
        )
        .sort("USUBJID", "AVISITN")
    )
    end = float(end_week)
    best = pl.col("P").cum_min().over("USUBJID", order_by="AVISITN")
    lost = 2 * (pl.col("B") - pl.col("P"))
    gain = pl.col("B") - pl.col("__best")
    npf = lost <= gain if npf_inclusive else lost < gain
    first50 = (
        pl.when(pl.col("R50") & (pl.col("AVISITN") <= end))
        .then(pl.col("AVISITN"))
        .min()
        .over("USUBJID")
    )
    records = records.with_columns(best.alias("__best")).with_columns(
        npf.alias("NPF"), first50.alias("FIRST50")
    )
    eot = (
        records.filter(pl.col("AVISITN") == end)
        .group_by("USUBJID")
        .agg(pl.col("R50").any().alias("EOT50"))
    )
    records = records.join(eot, on="USUBJID", how="left").with_columns(
        pl.col("EOT50").fill_null(False)
    )
    after = pl.col("AVISITN") > pl.col("FIRST50")
    in_treatment = after & (pl.col("AVISITN") <= end)
    in_follow_up = pl.col("EOT50") & (pl.col("AVISITN") > end)

    def first_visit(condition: pl.Expr) -> pl.Expr:
        return (
            pl.col("AVISIT").filter(condition).sort_by(pl.col("AVISITN").filter(condition)).first()
        )

    per = (
        records.group_by("USUBJID")
        .agg(
            pl.col("FIRST50").first(),
            pl.col("EOT50").first(),
            first_visit(pl.col("AVISITN") == pl.col("FIRST50")).alias("first50_visit"),
            first_visit(in_treatment & ~pl.col("R50")).alias("rel_t"),
            first_visit(in_follow_up & ~pl.col("R50")).alias("rel_f"),
            first_visit(in_treatment & pl.col("NPF")).alias("npf_t"),
            first_visit(in_follow_up & pl.col("NPF")).alias("npf_f"),
            (pl.col("AVISITN") > end).any().alias("seen_fu"),
        )
        .filter(pl.col("FIRST50").is_not_null() | pl.col("EOT50"))
        .sort("USUBJID")
    )
    treated = per.filter(pl.col("FIRST50").is_not_null())
    followed = per.filter(pl.col("EOT50"), pl.col("seen_fu"))
    n_t, n_f = treated.height, followed.height
    rates = (
        compute_rate(int(treated["rel_t"].is_not_null().sum()), n_t),
        compute_rate(int(followed["rel_f"].is_not_null().sum()), n_f),
        compute_rate(int(treated["npf_t"].is_not_null().sum()), n_t),
        compute_rate(int(followed["npf_f"].is_not_null().sum()), n_f),
    )
    if per.height > LISTING_CAP:
        return RelapseRates(*rates, (), f"not listed: {per.height} achievers > {LISTING_CAP}")
    listing = tuple(
        RelapseParticipant(
            usubjid=r["USUBJID"],
            first_pasi50=r["first50_visit"],
            pasi50_at_end_of_treatment=bool(r["EOT50"]),
            relapse_treatment=r["rel_t"],
            relapse_follow_up=r["rel_f"],
            relapse_treatment_npf=r["npf_t"],
            relapse_follow_up_npf=r["npf_f"],
        )
        for r in per.iter_rows(named=True)
    )
    return RelapseRates(*rates, listing, None)
