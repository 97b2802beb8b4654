"""The report's figures from the analysis and ADaM: adapters, then PNG data URIs.

The statistics drawn (responder rates and their CIs, Kaplan-Meier steps, per-visit means)
come from :class:`psotrial.stats.Analysis`; the data drawn (trajectories, waterfall,
swimmer lanes) from the ADaM frames. Each figure is rendered once to PNG and embedded as a
``data:`` URI, so report.html is one self-contained file and WeasyPrint needs no file access.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from psotrial.protocol import Protocol
from psotrial.reports.figures import (
    ConsortFlow,
    KmCurve,
    RatePoint,
    RateSeries,
    TimeSummary,
    figure_png,
    plot_consort,
    plot_kaplan_meier,
    plot_outcome_over_time,
    plot_pasi_trajectories,
    plot_responder_rates,
    plot_swimmer,
    plot_waterfall,
)
from psotrial.stats import (
    Analysis,
    ContinuousOutcome,
    Disposition,
    KaplanMeier,
    ResponderTable,
)

__all__ = [
    "ReportFigure",
    "build_report_figures",
    "compute_infusion_days",
    "consort_flow",
    "km_curve",
    "rate_series",
    "time_summaries",
]


@dataclass(frozen=True)
class ReportFigure:
    """A rendered figure: its caption and its PNG as a ``data:image/png;base64,`` URI."""

    key: str
    caption: str
    uri: str


def _uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def km_curve(km: KaplanMeier, label: str) -> KmCurve:
    """A :class:`KaplanMeier` estimate as the steps the figure draws (from time 0, S = 1)."""
    points = sorted(km.curve, key=lambda p: p.time)
    start = [] if points and points[0].time == 0 else [(0.0, 1.0, 1.0, 1.0)]
    steps = start + [(p.time, p.survival, p.ci_low, p.ci_high) for p in points]
    return KmCurve(
        label=label,
        times=tuple(s[0] for s in steps),
        survival=tuple(s[1] for s in steps),
        low=tuple(s[2] for s in steps),
        high=tuple(s[3] for s in steps),
        censored=tuple(p.time for p in points if p.censored > 0),
        at_risk=dict(zip(km.at_risk_times, km.at_risk, strict=True)),
    )


def rate_series(table: ResponderTable) -> list[RateSeries]:
    """Each response criterion, observed and (when ADaM has NRI records) NRI, over visits."""
    series: list[RateSeries] = []
    for imputation in ("Observed cases", "Non-responder imputation"):
        for label in table.labels:
            points: list[RatePoint] = []
            for row in table.rows:
                for rate in row.rates:
                    if rate.label != label:
                        continue
                    chosen = rate.observed if imputation == "Observed cases" else rate.nri
                    if chosen is None or chosen.pct is None:
                        continue
                    points.append(
                        RatePoint(
                            week=row.avisitn,
                            count=chosen.count,
                            n=chosen.n,
                            pct=chosen.pct,
                            low=None if chosen.ci_low is None else 100 * chosen.ci_low,
                            high=None if chosen.ci_high is None else 100 * chosen.ci_high,
                        )
                    )
            if points:
                series.append(RateSeries(label, imputation, tuple(points)))
    return series


def time_summaries(outcome: ContinuousOutcome) -> list[TimeSummary]:
    """Baseline (week 0) and each post-baseline visit: mean with its t 95% CI."""
    base = outcome.baseline
    rows = [TimeSummary(0.0, base.n, base.mean, base.ci_low, base.ci_high)]
    rows += [
        TimeSummary(v.avisitn, v.value.n, v.value.mean, v.value.ci_low, v.value.ci_high)
        for v in outcome.over_time
        if v.avisitn > 0
    ]
    return rows


def consort_flow(disposition: Disposition) -> ConsortFlow:
    """The CONSORT counts of a :class:`Disposition`."""
    populations = disposition.populations
    return ConsortFlow(
        screened=disposition.screened,
        excluded=disposition.screen_failures,
        excluded_reasons={r.label: r.count for r in disposition.screen_failure_reasons},
        enrolled=disposition.enrolled,
        not_treated=disposition.enrolled - disposition.treated,
        treated=disposition.treated,
        discontinued=disposition.discontinued,
        discontinued_reasons={r.label: r.count for r in disposition.discontinued_reasons},
        ongoing=disposition.ongoing,
        completed=disposition.completed,
        analysed={
            "Full analysis set": populations.full_analysis,
            "Safety set": populations.safety,
            "Per-protocol set": populations.per_protocol,
        },
    )


def compute_infusion_days(adsl: pl.DataFrame, protocol: Protocol) -> dict[str, list[int]]:
    """Study days of each treated participant's infusions, as far as ADaM tells them.

    ADaM has no exposure dataset: ADSL gives the first infusion (Day 1), the last
    (TRTEDT - TRTSDT + 1) and their number (NINFUS). Infusions in between are placed on
    their planned days (the protocol's infusion visits), which is exact for on-schedule
    participants and within the visit window otherwise.
    """
    arm = protocol.arms[0]
    planned_days = {v.code: v.day for v in protocol.visits}
    planned = [planned_days[code] for code in arm.infusion_visits]
    days: dict[str, list[int]] = {}
    treated = adsl.filter((pl.col("SAFFL") == "Y") & pl.col("TRTSDT").is_not_null())
    for row in treated.iter_rows(named=True):
        count = int(row["NINFUS"] or 1)
        last = (row["TRTEDT"] - row["TRTSDT"]).days + 1 if row["TRTEDT"] else 1
        middle = [d for d in planned[1 : count - 1] if 1 < d < last]
        days[row["USUBJID"]] = [1, *middle, *([last] if count > 1 else [])]
    return days


def build_report_figures(
    analysis: Analysis, adam: Mapping[str, pl.DataFrame], protocol: Protocol
) -> dict[str, ReportFigure]:
    """Every figure of the report, rendered, keyed by where the report places it."""
    figures: dict[str, ReportFigure] = {}

    def add(key: str, caption: str, png: bytes) -> None:
        figures[key] = ReportFigure(key, caption, _uri(png))

    infusion_weeks = [
        (v.day - 1) / 7 for v in protocol.visits if v.code in protocol.arms[0].infusion_visits
    ]
    add(
        "consort",
        "Participant flow (CONSORT 2010).",
        figure_png(plot_consort(consort_flow(analysis.disposition))),
    )
    adpasi = adam["ADPASI"]
    add(
        "trajectories",
        "Observed PASI of each participant over time; dotted lines mark the planned infusions.",
        figure_png(plot_pasi_trajectories(adpasi, infusion_weeks=infusion_weeks)),
    )
    primary_visit = analysis.pasi_improvement.avisit
    add(
        "waterfall",
        f"PASI improvement at {primary_visit.title()} per participant (observed cases), "
        "with the PASI-50 and PASI-75 thresholds.",
        figure_png(plot_waterfall(adpasi, visit=primary_visit)),
    )
    series = rate_series(analysis.pasi_responders)
    if series:
        add(
            "responders",
            "PASI-50/75/90/100 response over time with exact (Clopper-Pearson) 95% CIs, "
            "observed cases and non-responder imputation.",
            figure_png(plot_responder_rates(series)),
        )
    relapse = analysis.relapse
    curves = [
        km_curve(km, label)
        for km, label in (
            (relapse.time_to_relapse, "Protocol definition"),
            (relapse.time_to_relapse_npf, "NPF definition (sensitivity)"),
        )
        if isinstance(km, KaplanMeier) and km.curve
    ]
    if curves:
        add(
            "km_relapse",
            "Kaplan-Meier estimate of remaining relapse-free among PASI-50 achievers "
            "(days from first PASI-50), with 95% CIs and numbers at risk.",
            figure_png(
                plot_kaplan_meier(
                    curves,
                    title="Time to relapse among PASI-50 achievers",
                    ylabel="Probability relapse-free",
                    xlabel="Days since first PASI-50 response",
                )
            ),
        )
    if isinstance(relapse.time_to_pasi50, KaplanMeier) and relapse.time_to_pasi50.curve:
        add(
            "km_pasi50",
            "Kaplan-Meier estimate of the proportion reaching PASI-50 (days from the first "
            "infusion), with 95% CIs and numbers at risk.",
            figure_png(
                plot_kaplan_meier(
                    [km_curve(relapse.time_to_pasi50, "Full analysis set")],
                    title="Time to first PASI-50 response",
                    ylabel="Proportion with PASI-50 reached",
                    xlabel="Days since first infusion",
                    cumulative=True,
                )
            ),
        )
    panels: list[tuple[str, str, Sequence[TimeSummary]]] = [
        ("DLQI", "DLQI total score (points, 0-30)", time_summaries(analysis.dlqi)),
        ("Itch", "Pruritus VAS (mm, 0-100)", time_summaries(analysis.itch_vas)),
    ]
    add(
        "dlqi_itch",
        "DLQI and pruritus VAS over time: mean with t-based 95% CI (observed cases).",
        figure_png(plot_outcome_over_time(panels, title="DLQI and itch over time")),
    )
    add(
        "bsa",
        "BSA affected over time: mean with t-based 95% CI (observed cases).",
        figure_png(
            plot_outcome_over_time(
                [("BSA", "Body surface area affected (%)", time_summaries(analysis.bsa))],
                title="Body surface area over time",
            )
        ),
    )
    add(
        "swimmer",
        "Each treated participant: treatment and follow-up, infusions, treatment-emergent "
        "AEs by CTCAE grade and protocol-defined relapse.",
        figure_png(
            plot_swimmer(
                adam["ADSL"],
                adam["ADAE"],
                adam["ADTTE"],
                infusion_days=compute_infusion_days(adam["ADSL"], protocol),
                treatment_end_day=_treatment_end_day(protocol, analysis.relapse.end_of_treatment),
            )
        ),
    )
    return figures


def _treatment_end_day(protocol: Protocol, avisit: str) -> int:
    week = avisit.removeprefix("WEEK ").strip()
    for visit in protocol.visits:
        if visit.week is not None and str(visit.week) == week:
            return visit.day
    return 85
