"""Image tests: each figure renders with the expected elements (inspected on the Figure)."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from psotrial.reports.figures import (
    MARKERS,
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

S = "NCT03745417-"


def pasi_rows(subject: str, values: list[tuple[int, float, float | None]]) -> list[dict[str, Any]]:
    """ADPASI PASITOT and PASIIMPR analysis records for (week, PASI, improvement %)."""
    rows = []
    for week, pasi, improvement in values:
        common = {
            "USUBJID": S + subject,
            "ADY": 7 * week + 1,
            "AVISITN": float(week),
            "AVISIT": f"WEEK {week}",
            "ANL01FL": "Y",
            "DTYPE": None,
        }
        rows.append({**common, "PARAMCD": "PASITOT", "AVAL": pasi})
        if week > 0:
            rows.append({**common, "PARAMCD": "PASIIMPR", "AVAL": improvement})
    return rows


ADPASI = pl.DataFrame(
    pasi_rows("GZ01-001", [(0, 20.0, None), (4, 10.0, 50.0), (12, 4.0, 80.0)])
    + pasi_rows("GZ01-002", [(0, 10.0, None), (4, 9.0, 10.0), (12, 11.0, -10.0)])
    + pasi_rows("GZ01-003", [(0, 16.0, None), (12, 6.0, 62.5)])
    # an imputed record is never drawn as data
    + [
        {
            "USUBJID": S + "GZ01-003",
            "ADY": None,
            "AVISITN": 16.0,
            "AVISIT": "WEEK 16",
            "ANL01FL": "Y",
            "DTYPE": "NRI",
            "PARAMCD": "PASITOT",
            "AVAL": None,
        }
    ]
)


def axis_texts(figure: Figure) -> list[str]:
    return [t.get_text() for axes in figure.axes for t in axes.texts]


def test_figure_png_is_a_png() -> None:
    png = figure_png(plot_waterfall(ADPASI))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 5_000


def test_plot_pasi_trajectories_one_line_per_participant_and_infusions() -> None:
    figure = plot_pasi_trajectories(ADPASI, infusion_weeks=(0, 2, 4, 6, 8))
    (axes,) = figure.axes
    assert axes.get_xlabel() == "Time since first infusion (weeks)"
    assert axes.get_ylabel() == "PASI total score (points, 0-72)"
    data_lines = [
        line for line in axes.lines if line.get_label() in {"GZ01-001", "GZ01-002", "GZ01-003"}
    ]
    assert len(data_lines) == 3
    # told apart without colour: every participant has its own marker
    assert len({line.get_marker() for line in data_lines}) == 3
    first = next(line for line in data_lines if line.get_label() == "GZ01-001")
    assert list(first.get_xdata()) == [0, 4, 12]
    assert list(first.get_ydata()) == [20.0, 10.0, 4.0]
    infusions = [line for line in axes.lines if line.get_linestyle() == ":"]
    assert len(infusions) == 5
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert "planned infusion" in legend


def test_plot_pasi_trajectories_many_participants_draw_a_median() -> None:
    rows = [
        r for i in range(15) for r in pasi_rows(f"GZ01-{i:03}", [(0, 20.0, None), (12, 5.0 + i, 0)])
    ]
    figure = plot_pasi_trajectories(pl.DataFrame(rows))
    legend = [t.get_text() for t in figure.axes[0].get_legend().get_texts()]
    assert legend[0] == "median (n = 15 participants)"
    median = figure.axes[0].lines[-1]
    assert list(median.get_ydata()) == [20.0, 12.0]


def test_plot_waterfall_bars_sorted_with_threshold_lines() -> None:
    figure = plot_waterfall(ADPASI)
    (axes,) = figure.axes
    bars = [p for p in axes.patches if isinstance(p, Rectangle)]
    assert [b.get_height() for b in bars] == [80.0, 62.5, -10.0]
    # response bands differ by hatching (greyscale-safe)
    assert [b.get_hatch() for b in bars] == [None, "//", "xx"] or [
        b.get_hatch() or "" for b in bars
    ] == ["", "//", "xx"]
    thresholds = sorted(
        line.get_ydata()[0] for line in axes.lines if line.get_linestyle() in {"--", ":"}
    )
    assert thresholds == [50, 75]
    assert [t.get_text() for t in axes.get_xticklabels()] == ["GZ01-001", "GZ01-003", "GZ01-002"]
    assert axes.get_ylabel() == "PASI improvement from baseline at week 12 (%)"
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert "PASI-75 threshold (75%)" in legend
    assert "PASI-50 threshold (50%)" in legend


def rate(week: float, pct: float) -> RatePoint:
    return RatePoint(week, 1, 4, pct, max(0.0, pct - 20), min(100.0, pct + 20))


def test_plot_responder_rates_panels_per_imputation_with_error_bars() -> None:
    series = [
        RateSeries(label, imputation, (rate(4, 25.0), rate(12, 50.0)))
        for imputation in ("Observed cases", "Non-responder imputation")
        for label in ("PASI-50", "PASI-75")
    ]
    figure = plot_responder_rates(series)
    assert len(figure.axes) == 2
    assert [a.get_title() for a in figure.axes] == ["Observed cases", "Non-responder imputation"]
    left = figure.axes[0]
    assert left.get_ylabel() == "Participants responding (%, exact 95% CI)"
    assert left.get_xlabel() == "Time since first infusion (weeks)"
    assert len(left.containers) == 2  # one errorbar container per definition
    assert [t.get_text() for t in left.get_legend().get_texts()] == ["PASI-50", "PASI-75"]
    markers = {c.lines[0].get_marker() for c in left.containers}
    assert len(markers) == 2
    assert left.get_ylim() == (0.0, 100.0)


def test_plot_kaplan_meier_steps_ci_censoring_and_numbers_at_risk() -> None:
    curve = KmCurve(
        "PASI-50 achievers",
        times=(0, 29, 57),
        survival=(1.0, 0.75, 0.5),
        low=(1.0, 0.4, 0.2),
        high=(1.0, 0.95, 0.8),
        censored=(40.0,),
        at_risk={0: 4, 28: 3, 56: 2},
    )
    figure = plot_kaplan_meier([curve], title="Time to relapse", ylabel="Probability relapse-free")
    plot, table = figure.axes
    assert plot.get_ylabel() == "Probability relapse-free"
    assert table.get_xlabel() == "Time (days)"
    step = plot.lines[0]
    assert step.get_drawstyle() == "steps-post"
    assert list(step.get_ydata()) == [1.0, 0.75, 0.5]
    censor = plot.lines[1]
    assert censor.get_marker() == "|"
    assert list(censor.get_ydata()) == [0.75]
    assert len(plot.collections) == 1  # the CI band
    assert [t.get_text() for t in table.texts] == ["4", "3", "2"]
    assert table.get_title(loc="left") == "Number at risk"


def test_plot_kaplan_meier_cumulative_flips_the_curve() -> None:
    curve = KmCurve("FAS", (0, 10), (1.0, 0.25), (1.0, 0.1), (1.0, 0.6), (), {0: 4})
    figure = plot_kaplan_meier([curve], title="t", ylabel="y", cumulative=True)
    assert list(figure.axes[0].lines[0].get_ydata()) == [0.0, 0.75]


def test_plot_swimmer_lanes_infusions_aes_by_grade_and_relapse() -> None:
    adsl = pl.DataFrame(
        {
            "USUBJID": [S + "GZ01-001", S + "GZ01-002", S + "GZ01-S01"],
            "SAFFL": ["Y", "Y", "N"],
            "TRTSDT": [date(2026, 1, 1), date(2026, 1, 5), None],
            "EOSDT": [date(2026, 6, 17), None, None],
            "LSTALVDT": [date(2026, 6, 17), date(2026, 2, 1), None],
            "EOSSTT": ["COMPLETED", "DISCONTINUED", None],
        }
    )
    adae = pl.DataFrame(
        {
            "USUBJID": [S + "GZ01-001", S + "GZ01-002", S + "GZ01-002"],
            "TRTEMFL": ["Y", "Y", "N"],
            "ASTDY": [10, 20, -3],
            "ATOXGRN": [1, 3, 2],
        }
    )
    adtte = pl.DataFrame(
        {
            "USUBJID": [S + "GZ01-001"],
            "PARAMCD": ["TTRELPRO"],
            "CNSR": [0],
            "ADT": [date(2026, 5, 1)],
        }
    )
    figure = plot_swimmer(
        adsl, adae, adtte, infusion_days={S + "GZ01-001": [1, 15, 29, 43, 57], S + "GZ01-002": [1]}
    )
    (axes, *_) = figure.axes
    assert [t.get_text() for t in axes.get_yticklabels()] == ["GZ01-001", "GZ01-002"]
    assert axes.get_xlabel() == "Study day (Day 1 = first infusion)"
    bars = [p for p in axes.patches if isinstance(p, Rectangle)]
    # lane 1: treatment (to Day 85) and follow-up (to Day 168); lane 2: treatment to Day 28
    assert sorted((b.get_x(), b.get_width()) for b in bars) == [(0, 28), (0, 85), (85, 83)]
    infusions = [line for line in axes.lines if line.get_marker() == "v"]
    assert sorted(len(line.get_xdata()) for line in infusions) == [1, 5]
    ae_markers = [line.get_marker() for line in axes.lines if line.get_markerfacecolor() == "white"]
    assert sorted(ae_markers) == ["^", "o"]  # grade 3 and grade 1; the grade-2 AE is not TE
    relapse = [line for line in axes.lines if line.get_marker() == "*"]
    assert [list(line.get_xdata()) for line in relapse] == [[121]]
    legend = [t.get_text() for t in axes.get_legend().get_texts()]
    assert legend[:3] == ["treatment period", "follow-up", "infusion"]
    assert {f"AE grade {g}" for g in range(1, 6)} <= set(legend)
    assert "relapse" in legend


def test_plot_outcome_over_time_a_panel_per_parameter() -> None:
    points = [TimeSummary(0, 5, 10.0, 8.0, 12.0), TimeSummary(12, 4, 5.0, 3.0, 7.0)]
    figure = plot_outcome_over_time(
        [
            ("DLQI", "DLQI total score (points, 0-30)", points),
            ("Itch", "Pruritus VAS (mm, 0-100)", points),
        ],
        title="DLQI and itch over time",
    )
    assert [a.get_ylabel() for a in figure.axes] == [
        "DLQI total score (points, 0-30)",
        "Pruritus VAS (mm, 0-100)",
    ]
    assert all(a.get_xlabel() == "Time since first infusion (weeks)" for a in figure.axes)
    assert [len(a.containers) for a in figure.axes] == [1, 1]
    assert (
        figure.axes[0].containers[0].lines[0].get_marker()
        != figure.axes[1].containers[0].lines[0].get_marker()
    )


def test_plot_consort_boxes_hold_every_count_and_reason() -> None:
    flow = ConsortFlow(
        screened=30,
        excluded=5,
        excluded_reasons={"Inclusion IN01 not met": 3, "Exclusion EX04 met": 2},
        enrolled=25,
        not_treated=1,
        treated=24,
        discontinued=2,
        discontinued_reasons={"ADVERSE EVENT": 1, "WITHDRAWAL BY SUBJECT": 1},
        ongoing=10,
        completed=12,
        analysed={"Full analysis set": 24, "Safety set": 24, "Per-protocol set": 20},
    )
    figure = plot_consort(flow)
    texts = "\n".join(axis_texts(figure))
    for expected in (
        "Assessed for eligibility (n = 30)",
        "Excluded (n = 5)",
        "Inclusion IN01 not met: n = 3",
        "Exclusion EX04 met: n = 2",
        "Enrolled (n = 25)",
        "Received at least one infusion (n = 24)",
        "Enrolled, not treated (n = 1)",
        "Discontinued (n = 2)",
        "ADVERSE EVENT: n = 1",
        "Ongoing at data cut (n = 10)",
        "Completed the study (n = 12)",
        "Full analysis set: n = 24",
        "Per-protocol set: n = 20",
    ):
        assert expected in texts
    boxes = figure.axes[0].patches
    assert len(boxes) == 7  # 5 stages + 2 side boxes
    arrows = [t for t in figure.axes[0].texts if t.get_text() == ""]
    assert len(arrows) == 6  # 4 down the main column + 2 to the side boxes
    # boxes never overlap
    extents = [b.get_bbox() for b in boxes]
    for i, one in enumerate(extents):
        for other in extents[i + 1 :]:
            assert not one.overlaps(other)


@pytest.mark.parametrize("index", range(len(MARKERS)))
def test_markers_are_distinct_shapes(index: int) -> None:
    assert MARKERS.count(MARKERS[index]) == 1
