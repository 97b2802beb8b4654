"""The results table is rendered from results.json with issue 7's targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def render(results: dict[str, object], tmp_path: Path) -> str:
    # bench/ is not an installed package: run it as `make bench` does, from the checkout
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bench.summary", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _metric(value: float, unit: str, runs: int = 5) -> dict[str, object]:
    return {"value": value, "unit": unit, "min": value * 0.9, "max": value * 1.1, "runs": runs}


def test_targets_met_missed_and_unmeasured(tmp_path: Path) -> None:
    results = {
        "machine": {"load_average": [0.5, 0.4, 0.3]},
        "metrics": {
            "capture_sqlite_saves_per_s": _metric(512.0, "saves/s"),
            "capture_sqlite_commit_floor_per_s": _metric(1024.0, "commits/s"),
            "pipeline_10k_s": _metric(12.0, "s"),
            "pipeline_10k_read_floor_s": _metric(3.0, "s"),
            "design_simon_nmax60_s": _metric(1.0, "s"),
        },
    }
    rows = {
        line.split(" | ")[0].lstrip("| "): line for line in render(results, tmp_path).splitlines()
    }
    assert rows["capture_sqlite_saves_per_s"].endswith("| >= 500 saves/s | yes |")
    assert rows["pipeline_10k_s"].endswith("| <= 10 s | no |")
    assert rows["design_simon_nmax60_s"].endswith("| <= 1 s | yes |")  # a bound is inclusive
    assert rows["import_participants_per_s"] == (
        "| import_participants_per_s | not measured | - | >= 100 participants/s | - |"
    )
    assert rows["capture sqlite: saves/s / commit floor"] == (
        "| capture sqlite: saves/s / commit floor | 0.50 | - |"
    )
    assert rows["pipeline 10k / read floor"] == "| pipeline 10k / read floor | 4.0x | <= 3x |"
    # every figure of the issue has its row, in the order
    names = [line.split(" | ")[0].lstrip("| ") for line in render(results, tmp_path).splitlines()]
    assert names[2:24][:2] == ["capture_sqlite_saves_per_s", "capture_sqlite_p50_ms"]
    assert names[23] == "design_simon_nmax60_s"
