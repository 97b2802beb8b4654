"""The study report's figures, drawn with matplotlib (Agg) and readable in greyscale.

Every figure is a function ``plot_*(...) -> matplotlib.figure.Figure`` built on a bare
:class:`~matplotlib.figure.Figure` (never ``pyplot``: no global state, no GUI backend), and
:func:`figure_png` turns one into PNG bytes. Series are told apart by marker, line style and
hatching, never by colour alone (the report is printed in black and white); every axis is
labelled with its unit.

Figures that only show data (trajectories, waterfall, swimmer) read the ADaM frames; figures
that show statistics (responder rates with their confidence intervals, Kaplan-Meier curves,
summaries over time) take the numbers the analysis computed (:mod:`psotrial.stats`), so a
figure never recomputes what a table reports.

The x axis of time figures is the week since the first infusion: CDISC study day 1 is the
first infusion (architecture.md), so week = (ADY - 1) / 7 and the week-12 visit (Day 85)
sits at 12.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import matplotlib

matplotlib.use("Agg")

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch

__all__ = [
    "MARKERS",
    "ConsortFlow",
    "KmCurve",
    "RatePoint",
    "RateSeries",
    "TimeSummary",
    "figure_png",
    "plot_consort",
    "plot_kaplan_meier",
    "plot_outcome_over_time",
    "plot_pasi_trajectories",
    "plot_responder_rates",
    "plot_swimmer",
    "plot_waterfall",
]

# Told apart without colour: filled/open markers of distinct shapes and four dash patterns.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "<", ">", "h", "p")
LINESTYLES = ("-", "--", ":", "-.")
GREYS = ("0.0", "0.35", "0.55", "0.7")
# Beyond this many participants, individual lines become a grey mass with a median line.
_MAX_LABELLED = 12
# AE grade -> marker shape (CTCAE grades 1-5), shared by the swimmer plot and its legend.
GRADE_MARKERS = {1: "o", 2: "s", 3: "^", 4: "D", 5: "X"}


def figure_png(figure: Figure, *, dpi: int = 150) -> bytes:
    """The figure as PNG bytes (white background, tight bounding box).

    Example:
        >>> figure_png(Figure(figsize=(1, 1)))[:8]
        b'\\x89PNG\\r\\n\\x1a\\n'
    """
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    return buffer.getvalue()


def _week(ady: float) -> float:
    # CDISC Day 1 is the first infusion: week 0; there is no day 0 (negative days are before).
    return (ady - 1) / 7 if ady > 0 else ady / 7


def _subject(usubjid: str) -> str:
    # USUBJID is STUDYID-SUBJID; the figures show the participant code (SUBJID) only.
    parts = usubjid.split("-", 1)
    return parts[1] if len(parts) == 2 else usubjid


def _style(index: int) -> dict[str, Any]:
    return {
        "marker": MARKERS[index % len(MARKERS)],
        "linestyle": LINESTYLES[(index // len(MARKERS)) % len(LINESTYLES)],
        "color": GREYS[index % len(GREYS)],
    }


def plot_pasi_trajectories(
    adpasi: pl.DataFrame, *, infusion_weeks: Sequence[float] = (0, 2, 4, 6, 8)
) -> Figure:
    """Each participant's observed PASI over time, with the planned infusions marked.

    Reads the PASITOT analysis records (ANL01FL = Y, observed: DTYPE null) from baseline on.
    Up to 12 participants get a labelled line each (marker and dash pattern); more are drawn
    as thin grey lines under a bold median line, which stays readable for thousands.

    Args:
        adpasi: ADPASI (PARAMCD, USUBJID, ADY, AVAL, ANL01FL, DTYPE, AVISITN).
        infusion_weeks: the protocol's infusion weeks, drawn as dotted vertical lines.
    """
    records = (
        adpasi.filter(
            (pl.col("PARAMCD") == "PASITOT")
            & (pl.col("ANL01FL") == "Y")
            & pl.col("DTYPE").is_null()
            & pl.col("AVAL").is_not_null()
            & (pl.col("AVISITN") >= 0)
        )
        .select("USUBJID", "ADY", "AVISITN", "AVAL")
        .sort("USUBJID", "ADY")
    )
    figure = Figure(figsize=(7.5, 4.5))
    axes = figure.add_subplot()
    subjects = records["USUBJID"].unique(maintain_order=True).to_list()
    for week in infusion_weeks:
        axes.axvline(week, color="0.6", linestyle=":", linewidth=1, zorder=0)
    many = len(subjects) > _MAX_LABELLED
    for index, subject in enumerate(subjects):
        rows = records.filter(pl.col("USUBJID") == subject)
        weeks = [_week(day) for day in rows["ADY"].to_list()]
        if many:
            axes.plot(weeks, rows["AVAL"].to_list(), color="0.75", linewidth=0.6)
        else:
            axes.plot(
                weeks,
                rows["AVAL"].to_list(),
                label=_subject(subject),
                markersize=4,
                **_style(index),
            )
    if many:
        median = records.group_by("AVISITN").agg(pl.col("AVAL").median()).sort("AVISITN")
        axes.plot(
            median["AVISITN"].to_list(),
            median["AVAL"].to_list(),
            color="0.0",
            linewidth=2.2,
            marker="o",
            label=f"median (n = {len(subjects)} participants)",
        )
    handles, _ = axes.get_legend_handles_labels()
    handles.append(Line2D([], [], color="0.6", linestyle=":", label="planned infusion"))
    axes.legend(handles=handles, fontsize=7, ncols=2 if len(handles) > 8 else 1, loc="best")
    axes.set_xlabel("Time since first infusion (weeks)")
    axes.set_ylabel("PASI total score (points, 0-72)")
    axes.set_title("Individual PASI trajectories")
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="0.9")
    figure.tight_layout()
    return figure


def plot_waterfall(adpasi: pl.DataFrame, *, visit: str = "WEEK 12") -> Figure:
    """PASI improvement at ``visit`` per participant, best first, with PASI-50/75 lines.

    Bars are the observed PASIIMPR analysis records (improvement rate, %; negative when
    worse) hatched by response band (>= 75, 50 to < 75, < 50), so bands read in greyscale.
    """
    records = (
        adpasi.filter(
            (pl.col("PARAMCD") == "PASIIMPR")
            & (pl.col("ANL01FL") == "Y")
            & pl.col("DTYPE").is_null()
            & (pl.col("AVISIT") == visit)
            & pl.col("AVAL").is_not_null()
        )
        .select("USUBJID", "AVAL")
        .sort(["AVAL", "USUBJID"], descending=[True, False])
    )
    values = records["AVAL"].to_list()
    figure = Figure(figsize=(7.5, 4.2))
    axes = figure.add_subplot()
    bands = (
        ("PASI-75 reached (>= 75%)", "0.2", ""),
        ("PASI-50 reached (50% to < 75%)", "0.6", "//"),
        ("below PASI-50 (< 50%)", "white", "xx"),
    )
    for position, value in enumerate(values):
        band = 0 if value >= 75 else 1 if value >= 50 else 2
        _, colour, hatch = bands[band]
        axes.bar(position, value, color=colour, hatch=hatch, edgecolor="0.0", linewidth=0.6)
    axes.axhline(75, color="0.0", linestyle="--", linewidth=1)
    axes.axhline(50, color="0.0", linestyle=":", linewidth=1)
    axes.axhline(0, color="0.0", linewidth=0.8)
    handles: list[Any] = [
        Patch(facecolor=colour, hatch=hatch, edgecolor="0.0", label=label)
        for label, colour, hatch in bands
    ]
    handles += [
        Line2D([], [], color="0.0", linestyle="--", label="PASI-75 threshold (75%)"),
        Line2D([], [], color="0.0", linestyle=":", label="PASI-50 threshold (50%)"),
    ]
    axes.legend(handles=handles, fontsize=7, loc="upper right")
    if len(values) <= 40:
        axes.set_xticks(range(len(values)))
        axes.set_xticklabels(
            [_subject(s) for s in records["USUBJID"].to_list()], rotation=90, fontsize=7
        )
    else:
        axes.set_xticks([])
    axes.set_xlabel(f"Participant, ordered by improvement (n = {len(values)})")
    axes.set_ylabel(f"PASI improvement from baseline at {visit.lower()} (%)")
    axes.set_title(f"Waterfall of PASI improvement at {visit.title()}")
    top = max([100.0, *values])
    bottom = min([0.0, *values])
    axes.set_ylim(bottom - 10 if bottom < 0 else -5, top + 5)
    figure.tight_layout()
    return figure


@dataclass(frozen=True)
class RatePoint:
    """A responder rate at one visit: week, responders, denominator, % and its 95% CI (%)."""

    week: float
    count: int
    n: int
    pct: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class RateSeries:
    """One responder definition under one handling of missing data, over time."""

    label: str
    imputation: str
    points: tuple[RatePoint, ...]


def plot_responder_rates(series: Sequence[RateSeries]) -> Figure:
    """Responder rates (%) over time with their exact 95% CIs; one panel per imputation.

    The panels share the y axis (0-100 %); within a panel each definition (PASI-50, -75,
    ...) has its own marker and dash pattern, offset a little along x so CIs do not overlap.
    """
    imputations = list(dict.fromkeys(s.imputation for s in series))
    figure = Figure(figsize=(7.5, 4.2))
    panels = figure.subplots(1, max(1, len(imputations)), sharey=True, squeeze=False)[0]
    labels = list(dict.fromkeys(s.label for s in series))
    for axes, imputation in zip(panels, imputations, strict=False):
        for one in (s for s in series if s.imputation == imputation):
            index = labels.index(one.label)
            shift = (index - (len(labels) - 1) / 2) * 0.18
            points = [p for p in one.points if p.pct is not None]
            xs = [p.week + shift for p in points]
            ys = [p.pct or 0.0 for p in points]
            below = [
                (p.pct or 0.0) - (p.low if p.low is not None else p.pct or 0.0) for p in points
            ]
            above = [
                (p.high if p.high is not None else p.pct or 0.0) - (p.pct or 0.0) for p in points
            ]
            axes.errorbar(
                xs,
                ys,
                yerr=[below, above],
                capsize=2,
                markersize=4,
                elinewidth=0.7,
                label=one.label,
                **_style(index),
            )
        axes.set_title(imputation, fontsize=9)
        axes.set_xlabel("Time since first infusion (weeks)")
        axes.set_ylim(0, 100)
        axes.grid(axis="y", color="0.9")
    panels[0].set_ylabel("Participants responding (%, exact 95% CI)")
    panels[0].legend(fontsize=7, loc="upper left")
    figure.suptitle("PASI responder rates over time", fontsize=11)
    figure.tight_layout()
    return figure


@dataclass(frozen=True)
class KmCurve:
    """A Kaplan-Meier estimate as steps, with its pointwise 95% CI, censoring and at-risk counts.

    ``times``/``survival``/``low``/``high`` are the step function (time 0 first); ``censored``
    are the times of censored observations; ``at_risk`` maps a time to the number at risk.
    """

    label: str
    times: tuple[float, ...]
    survival: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    censored: tuple[float, ...] = ()
    at_risk: Mapping[float, int] = field(default_factory=dict)


def plot_kaplan_meier(
    curves: Sequence[KmCurve],
    *,
    title: str,
    ylabel: str,
    xlabel: str = "Time (days)",
    cumulative: bool = False,
) -> Figure:
    """Kaplan-Meier curves with 95% CI bands, censoring ticks and a numbers-at-risk table.

    Args:
        curves: one or more estimates (from the analysis; never recomputed here).
        cumulative: draw 1 - S(t) (the proportion with the event, e.g. reaching PASI-50).
    """
    figure = Figure(figsize=(7.5, 4.8))
    grid = figure.add_gridspec(2, 1, height_ratios=(4, 1), hspace=0.05)
    axes = figure.add_subplot(grid[0])
    table = figure.add_subplot(grid[1], sharex=axes)

    def flip(values: Sequence[float]) -> list[float]:
        return [1 - v for v in values] if cumulative else list(values)

    ticks: list[float] = []
    for index, curve in enumerate(curves):
        style = _style(index)
        axes.step(
            curve.times,
            flip(curve.survival),
            where="post",
            color=style["color"],
            linestyle=style["linestyle"] if index else "-",
            label=curve.label,
        )
        axes.fill_between(
            curve.times,
            flip(curve.low),
            flip(curve.high),
            step="post",
            color="0.85",
            alpha=0.6,
            linewidth=0,
        )
        marks = [_step_value(curve, t) for t in curve.censored]
        axes.plot(
            curve.censored,
            flip(marks),
            linestyle="none",
            marker="|",
            markersize=9,
            color=style["color"],
            label=f"{curve.label}: censored" if curve.censored else None,
        )
        ticks = sorted(set(ticks) | set(curve.at_risk))
    axes.set_ylim(0, 1.02)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(color="0.92")
    axes.legend(fontsize=7, loc="best")
    axes.tick_params(labelbottom=False)
    table.set_xlabel(xlabel)
    table.set_yticks(range(len(curves)))
    table.set_yticklabels([c.label for c in curves], fontsize=7)
    table.set_ylim(-0.5, len(curves) - 0.5)
    table.invert_yaxis()
    for row, curve in enumerate(curves):
        for time, count in curve.at_risk.items():
            table.text(time, row, str(count), ha="center", va="center", fontsize=7)
    table.set_title("Number at risk", fontsize=8, loc="left")
    for side in ("top", "right", "left"):
        table.spines[side].set_visible(False)
    table.tick_params(axis="y", length=0)
    if ticks:
        table.set_xticks(ticks)
        low = min(ticks)
        high = max([*ticks, *(t for c in curves for t in c.times)])
        table.set_xlim(low - (high - low) * 0.03, high * 1.03 if high else 1)
    figure.subplots_adjust(left=0.2, right=0.97, top=0.92, bottom=0.12)
    return figure


def _step_value(curve: KmCurve, time: float) -> float:
    value = curve.survival[0] if curve.survival else 1.0
    for t, s in zip(curve.times, curve.survival, strict=False):
        if t <= time:
            value = s
    return value


def plot_swimmer(
    adsl: pl.DataFrame,
    adae: pl.DataFrame,
    adtte: pl.DataFrame,
    *,
    infusion_days: Mapping[str, Sequence[int]],
    treatment_end_day: int = 85,
) -> Figure:
    """One lane per treated participant: treatment and follow-up, infusions, AEs, relapse.

    A lane runs from Day 1 to the last day known (end of study, else last known alive). The
    treatment period (to ``treatment_end_day``, the week-12 visit) is drawn dark, follow-up
    hatched. Infusions are filled downward triangles above the lane; treatment-emergent AEs
    are open markers whose shape is the CTCAE grade; a protocol-defined relapse (ADTTE
    TTRELPRO event) is a star.

    Args:
        adsl: ADSL (USUBJID, SAFFL, TRTSDT, EOSDT, LSTALVDT, EOSSTT).
        adae: ADAE (USUBJID, TRTEMFL, ASTDY, ATOXGRN).
        adtte: ADTTE (USUBJID, PARAMCD, CNSR, ADT).
        infusion_days: study days of each participant's infusions, by USUBJID.
        treatment_end_day: study day at which treatment ends and follow-up begins.
    """
    treated = adsl.filter(pl.col("SAFFL") == "Y").sort("USUBJID")
    subjects = treated["USUBJID"].to_list()
    height = min(11.0, max(3.0, 0.28 * len(subjects) + 1.6))
    figure = Figure(figsize=(7.5, height))
    axes = figure.add_subplot()
    start: dict[str, date] = dict(zip(subjects, treated["TRTSDT"].to_list(), strict=True))
    for row, subject in enumerate(subjects):
        record = treated.row(row, named=True)
        last = record.get("EOSDT") or record.get("LSTALVDT") or record["TRTSDT"]
        end = (last - record["TRTSDT"]).days + 1
        axes.barh(row, min(end, treatment_end_day), left=0, height=0.5, color="0.35")
        if end > treatment_end_day:
            axes.barh(
                row,
                end - treatment_end_day,
                left=treatment_end_day,
                height=0.5,
                color="white",
                edgecolor="0.35",
                hatch="///",
            )
        if record.get("EOSSTT") == "DISCONTINUED":
            axes.plot(end, row, marker=">", color="0.0", markersize=6)
        days = infusion_days.get(subject, ())
        axes.plot(
            list(days),
            [row - 0.38] * len(days),
            linestyle="none",
            marker="v",
            color="0.0",
            markersize=4,
        )
    aes = adae.filter(
        (pl.col("TRTEMFL") == "Y")
        & pl.col("USUBJID").is_in(subjects)
        & pl.col("ASTDY").is_not_null()
    )
    for ae in aes.iter_rows(named=True):
        grade = int(ae["ATOXGRN"] or 1)
        axes.plot(
            ae["ASTDY"],
            subjects.index(ae["USUBJID"]),
            linestyle="none",
            marker=GRADE_MARKERS.get(grade, "o"),
            markerfacecolor="white",
            markeredgecolor="0.0",
            markersize=6,
        )
    relapses = adtte.filter(
        (pl.col("PARAMCD") == "TTRELPRO")
        & (pl.col("CNSR") == 0)
        & pl.col("USUBJID").is_in(subjects)
    )
    for relapse in relapses.iter_rows(named=True):
        day = (relapse["ADT"] - start[relapse["USUBJID"]]).days + 1
        axes.plot(day, subjects.index(relapse["USUBJID"]), marker="*", color="0.0", markersize=10)
    axes.set_yticks(range(len(subjects)))
    axes.set_yticklabels([_subject(s) for s in subjects], fontsize=7 if len(subjects) < 40 else 4)
    axes.invert_yaxis()
    axes.axvline(treatment_end_day, color="0.0", linestyle="--", linewidth=0.8)
    axes.set_xlabel("Study day (Day 1 = first infusion)")
    axes.set_ylabel("Participant")
    axes.set_title("Treatment, follow-up and events per participant")
    legend: list[Any] = [
        Patch(facecolor="0.35", label="treatment period"),
        Patch(facecolor="white", edgecolor="0.35", hatch="///", label="follow-up"),
        Line2D([], [], linestyle="none", marker="v", color="0.0", label="infusion"),
        *[
            Line2D(
                [],
                [],
                linestyle="none",
                marker=marker,
                markerfacecolor="white",
                markeredgecolor="0.0",
                label=f"AE grade {grade}",
            )
            for grade, marker in GRADE_MARKERS.items()
        ],
        Line2D([], [], linestyle="none", marker="*", color="0.0", markersize=10, label="relapse"),
        Line2D([], [], linestyle="none", marker=">", color="0.0", label="discontinued"),
    ]
    axes.legend(handles=legend, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    figure.tight_layout()
    return figure


@dataclass(frozen=True)
class TimeSummary:
    """A per-visit summary of one parameter: week, n, centre and its interval (or None)."""

    week: float
    n: int
    centre: float | None
    low: float | None
    high: float | None


def plot_outcome_over_time(
    panels: Sequence[tuple[str, str, Sequence[TimeSummary]]],
    *,
    title: str,
    centre: str = "mean (95% CI)",
) -> Figure:
    """One panel per parameter (e.g. DLQI, itch VAS): the per-visit summary with its interval.

    Args:
        panels: ``(parameter label, y-axis label with unit, summaries)`` per panel.
        title: the figure title.
        centre: what the point and bars are, for the legend.
    """
    figure = Figure(figsize=(7.5, 3.8))
    grid = figure.subplots(1, max(1, len(panels)), squeeze=False)[0]
    for index, (axes, (label, ylabel, summaries)) in enumerate(zip(grid, panels, strict=False)):
        points = [s for s in summaries if s.centre is not None]
        xs = [s.week for s in points]
        ys = [s.centre or 0.0 for s in points]
        below = [
            (s.centre or 0.0) - (s.low if s.low is not None else s.centre or 0.0) for s in points
        ]
        above = [
            (s.high if s.high is not None else s.centre or 0.0) - (s.centre or 0.0) for s in points
        ]
        axes.errorbar(
            xs,
            ys,
            yerr=[below, above],
            capsize=2,
            markersize=4,
            label=f"{label}: {centre}",
            **_style(index),
        )
        axes.set_title(label, fontsize=9)
        axes.set_xlabel("Time since first infusion (weeks)")
        axes.set_ylabel(ylabel)
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", color="0.9")
        axes.legend(fontsize=7, loc="best")
    figure.suptitle(title, fontsize=11)
    figure.tight_layout()
    return figure


@dataclass(frozen=True)
class ConsortFlow:
    """Counts for the CONSORT flow diagram, with reasons as ``{reason: count}``."""

    screened: int
    excluded: int
    excluded_reasons: Mapping[str, int]
    enrolled: int
    not_treated: int
    treated: int
    discontinued: int
    discontinued_reasons: Mapping[str, int]
    ongoing: int
    completed: int
    analysed: Mapping[str, int]


_LINE = 0.034  # height of one text line in a CONSORT box, in axes units


def _box(axes: Axes, x: float, top: float, width: float, lines: Sequence[str]) -> float:
    """Draw a box whose top edge is at ``top``; return its bottom edge."""
    height = _LINE * len(lines) + 0.025
    axes.add_patch(
        FancyBboxPatch(
            (x - width / 2, top - height),
            width,
            height,
            boxstyle="round,pad=0.006",
            facecolor="white",
            edgecolor="0.0",
            linewidth=1,
        )
    )
    axes.text(x, top - height / 2, "\n".join(lines), ha="center", va="center", fontsize=9)
    return top - height


def _arrow(axes: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    axes.annotate(
        "", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "0.0", "lw": 1}
    )


def plot_consort(flow: ConsortFlow) -> Figure:
    """The CONSORT 2010 flow diagram of a single-arm trial, drawn with boxes and arrows.

    Enrolment (assessed, excluded with reasons, enrolled), allocation (treated, not treated),
    follow-up (discontinued with reasons, ongoing, completed) and analysis (each population).
    Boxes are stacked from the top with their heights set by their lines of text, so long
    reason lists push the boxes below down instead of overlapping them.
    """
    figure = Figure(figsize=(7.5, 7.0))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.axis("off")
    main_x, main_w, side_x, side_w, gap = 0.3, 0.44, 0.76, 0.44, 0.09

    def reasons(counts: Mapping[str, int]) -> list[str]:
        # Reasons can be whole criterion texts: wrap them so the box keeps its width.
        lines: list[str] = []
        for reason, count in counts.items():
            lines += textwrap.wrap(
                f"{reason}: n = {count}",
                width=42,
                subsequent_indent="   ",
                max_lines=3,
                placeholder=f"... : n = {count}",
            )
        return lines

    main = [
        ("Enrolment", [f"Assessed for eligibility (n = {flow.screened})"]),
        ("", [f"Enrolled (n = {flow.enrolled})"]),
        (
            "Allocation",
            [
                f"Received at least one infusion (n = {flow.treated})",
                f"Enrolled, not treated (n = {flow.not_treated})",
            ],
        ),
        ("Follow-up", [f"Completed the study (n = {flow.completed})"]),
        (
            "Analysis",
            ["Analysed", *[f"{name}: n = {count}" for name, count in flow.analysed.items()]],
        ),
    ]
    side = {
        0: [f"Excluded (n = {flow.excluded})", *reasons(flow.excluded_reasons)],
        2: [
            f"Discontinued (n = {flow.discontinued})",
            *reasons(flow.discontinued_reasons),
            f"Ongoing at data cut (n = {flow.ongoing})",
        ],
    }
    # The gap below a box that branches must hold its side box.
    top = 0.97
    for index, (stage, lines) in enumerate(main):
        bottom = _box(axes, main_x, top, main_w, lines)
        if stage:
            axes.text(
                0.015,
                (top + bottom) / 2,
                stage,
                fontsize=8,
                fontweight="bold",
                rotation=90,
                va="center",
            )
        if index == len(main) - 1:
            break
        branch = side.get(index)
        space = gap if branch is None else max(gap, _LINE * len(branch) + 0.06)
        middle = bottom - space / 2
        if branch is not None:
            height = _LINE * len(branch) + 0.025
            _box(axes, side_x, middle + height / 2, side_w, branch)
            axes.plot([main_x, side_x - side_w / 2 - 0.01], [middle, middle], color="0.0", lw=1)
            _arrow(axes, (side_x - side_w / 2 - 0.02, middle), (side_x - side_w / 2, middle))
        _arrow(axes, (main_x, bottom - 0.004), (main_x, bottom - space + 0.008))
        top = bottom - space
    axes.set_xlim(0, 1)
    axes.set_ylim(min(0.0, top - 0.2), 1)
    return figure
