"""ADTTE: time to PASI-50 response and time to relapse (protocol and NPF definitions).

Every parameter is built by :func:`psotrial.adam.tte.derive_param_tte` from the observed
(not imputed) in-window analysis records of ADPASI PASITOT after baseline; SRCDOM "ADPASI",
SRCVAR "ADT", SRCSEQ its ASEQ. AVAL is in days, ADT - STARTDT + 1; CNSR 0 event, 1 censored.
Visits are interval-censored in truth; the event date is the visit date (domain.md §6.2).

- TTPASI50 "Time to First PASI 50 Response (days)": participants in the FAS from TRTSDT;
  event the first visit with CRIT1FL "Y"; censored at the last post-baseline PASI
  assessment, or at TRTSDT (AVAL 1) when there is none.
- TTRELPRO "Time to Relapse, Protocol Definition (days)" and TTRELNPF "Time to Relapse, NPF
  Definition (days)": participants who reached PASI-50, from the date it was first reached
  (cdisc.md §2.4); event the first later visit meeting the relapse rule of
  :func:`psotrial.instruments.compute_response` (protocol: 2*P > B; NPF: at least half of
  the best improvement lost, boundary per ``ProtocolSettings.npf_boundary_inclusive``);
  censored at the last PASI assessment (at the start date when PASI-50 was the last one).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from psotrial.adam.tte import CensorSource, EventSource, derive_param_tte
from psotrial.instruments import compute_response
from psotrial.protocol import Protocol

__all__ = ["TTE_PARAMS", "build_adtte"]

TTE_PARAMS = {
    "TTPASI50": (1, "Time to First PASI 50 Response (days)"),
    "TTRELPRO": (2, "Time to Relapse, Protocol Definition (days)"),
    "TTRELNPF": (3, "Time to Relapse, NPF Definition (days)"),
}


def _course(adpasi: pl.DataFrame, adsl: pl.DataFrame, protocol: Protocol) -> pl.DataFrame:
    """Post-baseline observed PASITOT analysis records, in date order, with relapse flags."""
    visits = (
        adpasi.filter(
            (pl.col("PARAMCD") == "PASITOT")
            & (pl.col("ANL01FL") == "Y")
            & pl.col("DTYPE").is_null()
            & pl.col("ADT").is_not_null()
            & (pl.col("ADT") > pl.col("TRTSDT"))
            & pl.col("BASE").is_not_null()
            & (pl.col("BASE") > 0)
        )
        .join(adsl.select("USUBJID", "FASFL"), on="USUBJID", how="left", maintain_order="left")
        .filter(pl.col("FASFL") == "Y")
        .sort(["USUBJID", "ADT", "ASEQ"])
    )
    flags = _relapse_flags(visits, protocol.settings.npf_boundary_inclusive)
    if flags is not None:
        return visits.with_columns(*flags)
    protocol_relapse: list[str | None] = []
    npf_relapse: list[str | None] = []
    # One pass over plain lists (rows are sorted by USUBJID): no frame per participant.
    subjects = visits.get_column("USUBJID").to_list()
    bases = visits.get_column("BASE").to_list()
    values = visits.get_column("AVAL").to_list()
    sequences = visits.get_column("ASEQ").to_list()
    start = 0
    while start < len(subjects):
        end = start
        while end < len(subjects) and subjects[end] == subjects[start]:
            end += 1
        seqs = [str(s) for s in sequences[start:end]]
        result = compute_response(
            repr(bases[start]),
            list(zip(seqs, [repr(v) for v in values[start:end]], strict=True)),
            npf_inclusive=protocol.settings.npf_boundary_inclusive,
            rebound_pct=protocol.settings.rebound_pct,
        )
        for seq in seqs:
            protocol_relapse.append("Y" if result.relapse_protocol.visit == seq else None)
            npf_relapse.append("Y" if result.relapse_npf.visit == seq else None)
        start = end
    return visits.with_columns(
        pl.Series("RELPRO", protocol_relapse, dtype=pl.String),
        pl.Series("RELNPF", npf_relapse, dtype=pl.String),
    )


def _relapse_flags(visits: pl.DataFrame, npf_inclusive: bool) -> tuple[pl.Expr, ...] | None:
    """RELPRO and RELNPF set-based: the rules of :func:`compute_response` on integer tenths.

    ``visits`` is sorted by USUBJID then date. PASI-50 is ``100*(B - P) >= 50*B``; after
    the first PASI-50 visit, protocol relapse is the first ``2*P > B`` and NPF relapse the
    first ``2*(B - P) <= B - best`` (``<`` when not inclusive), ``best`` the lowest PASI so
    far. None when a value is not a PASI on the 0.1 lattice (or a baseline is 0): the
    per-participant path then decides, and raises, as before.
    """
    value, base = (visits.get_column(c).cast(pl.Float64).to_numpy() for c in ("AVAL", "BASE"))
    with np.errstate(invalid="ignore"):
        p, b = np.round(value * 10), np.round(base * 10)
        ok = (p / 10 == value) & (b / 10 == base) & (p >= 0) & (p <= 720) & (b > 0) & (b <= 720)
    if not ok.all():
        return None
    g = "USUBJID"
    frame = visits.select(g).with_columns(
        pl.Series("P", p.astype(np.int64)), pl.Series("B", b.astype(np.int64))
    )
    pasi50 = (100 * (pl.col("B") - pl.col("P")) >= 50 * pl.col("B")).cast(pl.Int64)
    after = (pasi50.cum_sum().over(g) - pasi50) > 0  # strictly after the first PASI-50
    best = pl.col("P").cum_min().over(g)
    lost_twice, best_gain = 2 * (pl.col("B") - pl.col("P")), pl.col("B") - best
    npf = (lost_twice <= best_gain) if npf_inclusive else (lost_twice < best_gain)

    def first(candidate: pl.Expr) -> pl.Expr:
        hits = candidate.cast(pl.Int64)
        return pl.when((hits == 1) & (hits.cum_sum().over(g) == 1)).then(pl.lit("Y"))

    flags = frame.select(
        first(after & (2 * pl.col("P") > pl.col("B"))).alias("RELPRO"),
        first(after & npf).alias("RELNPF"),
    )
    return (pl.lit(flags.get_column("RELPRO")), pl.lit(flags.get_column("RELNPF")))


def build_adtte(adpasi: pl.DataFrame, protocol: Protocol, *, adsl: pl.DataFrame) -> pl.DataFrame:
    """ADTTE records (not yet merged with ADSL; see ``build_adam``).

    ``adpasi`` must be sequenced (ASEQ) and carry TRTSDT; ``adsl`` needs FASFL and TRTSDT.
    """
    course = _course(adpasi, adsl, protocol)
    sources = {"ADPASI": course, "ADSL": adsl}
    fas = adsl.filter(pl.col("FASFL") == "Y")
    last_assessment = CensorSource("ADPASI", "ADT", "LAST PASI ASSESSMENT", seq_var="ASEQ")
    response = derive_param_tte(
        fas,
        source_datasets=sources,
        event_conditions=[
            EventSource("ADPASI", "ADT", "PASI 50 RESPONSE", pl.col("CRIT1FL") == "Y", "ASEQ")
        ],
        censor_conditions=[
            last_assessment,
            CensorSource("ADSL", "TRTSDT", "FIRST INFUSION, NO POST-BASELINE PASI"),
        ],
        set_values_to=_param("TTPASI50"),
    )
    starts = (
        course.filter(pl.col("CRIT1FL") == "Y")
        .group_by(["STUDYID", "USUBJID"], maintain_order=True)
        .agg(pl.col("ADT").min().alias("P50DT"))
    )
    since = course.join(starts, on=["STUDYID", "USUBJID"], how="inner", maintain_order="left")
    since = since.filter(pl.col("ADT") >= pl.col("P50DT"))
    relapses = []
    for paramcd, flag, text in (
        ("TTRELPRO", "RELPRO", "PASI RELAPSE, PROTOCOL: 2*AVAL > BASE"),
        ("TTRELNPF", "RELNPF", "PASI RELAPSE, NPF: HALF OF BEST IMPROVEMENT LOST"),
    ):
        relapses.append(
            derive_param_tte(
                starts,
                start_date="P50DT",
                source_datasets={"ADPASI": since},
                event_conditions=[EventSource("ADPASI", "ADT", text, pl.col(flag) == "Y", "ASEQ")],
                censor_conditions=[last_assessment],
                set_values_to=_param(paramcd),
            )
        )
    return pl.concat([response, *relapses], how="diagonal_relaxed").with_columns(
        pl.lit("DAYS").alias("AVALU")
    )


def _param(paramcd: str) -> dict[str, object]:
    number, name = TTE_PARAMS[paramcd]
    return {"PARAMCD": paramcd, "PARAM": name, "PARAMN": number}
