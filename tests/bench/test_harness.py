"""The benchmark harness works: ``python -m bench --quick`` writes results of the right shape.

A smoke test of issue 7's harness, never of speed: the tools benchmarks run at tiny sizes
(two runs each) into a temporary file, and the committed bench/results.json is left alone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("report_s", "analyze_pasi_1m_s", "design_simon_nmax60_s")


def _bench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True
    )


def test_quick_tools_run_writes_results_of_the_issue_shape(tmp_path: Path) -> None:
    committed = ROOT / "bench" / "results.json"
    before = committed.read_bytes() if committed.exists() else None
    out = tmp_path / "results.json"
    done = _bench("--quick", "--only", "tools", "--out", str(out))
    assert done.returncode == 0, done.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document) == {"machine", "metrics"}
    machine = document["machine"]
    assert machine["cores"] >= 1
    assert machine["memory"].endswith("MiB")
    assert {"python", "polars", "sqlalchemy"} <= set(machine["versions"])
    assert set(document["metrics"]) == set(TOOLS)
    for name, metric in document["metrics"].items():
        assert set(metric) == {"value", "unit", "min", "max", "runs"}, name
        assert metric["unit"] == "s"
        assert metric["runs"] == 2
        assert 0 < metric["min"] <= metric["value"] <= metric["max"], name
    for name in TOOLS:  # the table printed, one line per figure
        assert name in done.stdout
    assert (committed.read_bytes() if committed.exists() else None) == before


def test_unknown_topic_is_refused_naming_the_topics(tmp_path: Path) -> None:
    done = _bench("--quick", "--only", "nonsense", "--out", str(tmp_path / "results.json"))
    assert done.returncode == 2
    assert "tools" in done.stderr
    assert not (tmp_path / "results.json").exists()
