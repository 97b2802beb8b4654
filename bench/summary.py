"""The results table of docs/performance.md, from bench/results.json, with issue 7's targets.

``python -m bench.summary [results.json]`` prints one Markdown row per figure of issue 7
(value, [min - max], runs, the target and whether it is met) and the ratios to the floors,
so the document is refreshed from the file rather than retyped.
"""

from __future__ import annotations

import json
import operator
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["NAMES", "TARGETS", "render"]

# Issue 7's figures, in its order.
NAMES = (
    *(
        f"capture_{backend}_{figure}"
        for backend in ("sqlite", "postgres")
        for figure in ("saves_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "commit_floor_per_s")
    ),
    "import_participants_per_s",
    "pipeline_1k_s",
    "pipeline_10k_s",
    "pipeline_100k_s",
    "pipeline_10k_read_floor_s",
    "pipeline_10k_peak_mb",
    "pipeline_growth_exponent",
    "report_s",
    "analyze_pasi_1m_s",
    "design_simon_nmax60_s",
)

_AT_LEAST: Callable[[float, float], bool] = operator.ge
_AT_MOST: Callable[[float, float], bool] = operator.le
# Issue 7, "Targets on this 2-core machine": name -> (comparison, bound, as written).
TARGETS: dict[str, tuple[Callable[[float, float], bool], float, str]] = {
    "capture_sqlite_saves_per_s": (_AT_LEAST, 500, ">= 500 saves/s"),
    "capture_sqlite_p95_ms": (_AT_MOST, 30, "<= 30 ms"),
    "capture_sqlite_p99_ms": (_AT_MOST, 100, "<= 100 ms"),
    "capture_sqlite_errors": (_AT_MOST, 0, "0"),
    "capture_postgres_saves_per_s": (_AT_LEAST, 400, ">= 400 saves/s"),
    "capture_postgres_p95_ms": (_AT_MOST, 40, "<= 40 ms"),
    "capture_postgres_errors": (_AT_MOST, 0, "0"),
    "import_participants_per_s": (_AT_LEAST, 100, ">= 100 participants/s"),
    "pipeline_10k_s": (_AT_MOST, 10, "<= 10 s"),
    "pipeline_10k_peak_mb": (_AT_MOST, 2048, "<= 2,048 MB"),
    "pipeline_growth_exponent": (_AT_MOST, 1.1, "<= 1.1"),
    "report_s": (_AT_MOST, 15, "<= 15 s"),
    "analyze_pasi_1m_s": (_AT_MOST, 2, "<= 2 s"),
    "design_simon_nmax60_s": (_AT_MOST, 1, "<= 1 s"),
}


def _number(value: float) -> str:
    if value == int(value) and abs(value) >= 100:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"


def render(results: dict[str, Any]) -> str:
    """The Markdown table (figures, targets, floors) of ``results`` (results.json's shape)."""
    metrics = results["metrics"]
    lines = ["| metric | value [min - max] | runs | target | met? |", "|---|---|---|---|---|"]
    for name in NAMES:
        target = TARGETS.get(name)
        metric = metrics.get(name)
        if metric is None:
            lines.append(f"| {name} | not measured | - | {target[2] if target else ''} | - |")
            continue
        value = metric["value"]
        shown = f"{_number(value)} {metric['unit']}".strip()
        if metric["runs"] > 1:
            shown += f" [{_number(metric['min'])} - {_number(metric['max'])}]"
        met = "" if target is None else ("yes" if target[0](value, target[1]) else "no")
        lines.append(
            f"| {name} | {shown} | {metric['runs']} | {target[2] if target else ''} | {met} |"
        )
    lines += ["", "| ratio to the floor | value | target |", "|---|---|---|"]
    for backend in ("sqlite", "postgres"):
        saves, floor = (
            metrics.get(f"capture_{backend}_{f}") for f in ("saves_per_s", "commit_floor_per_s")
        )
        if saves and floor:
            ratio = saves["value"] / floor["value"]
            lines.append(f"| capture {backend}: saves/s / commit floor | {ratio:.2f} | - |")
    pipeline, floor = metrics.get("pipeline_10k_s"), metrics.get("pipeline_10k_read_floor_s")
    if pipeline and floor:
        lines.append(
            f"| pipeline 10k / read floor | {pipeline['value'] / floor['value']:.1f}x | <= 3x |"
        )
    load = results.get("machine", {}).get("load_average")
    if load:
        lines += ["", f"Load average when the file was last written: {', '.join(map(str, load))}."]
    return "\n".join(lines)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("results.json")
    print(render(json.loads(path.read_text(encoding="utf-8"))))
