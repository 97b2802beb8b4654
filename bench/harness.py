"""The benchmark harness: repeated timing, machine facts, and bench/results.json.

Every figure is the median of at least 5 runs after a warm-up, with min and max
(issue 7); quick mode runs fewer and smaller runs only to prove the harness works.
Benchmarks never assert speed: they measure and write.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"
RUNS = 5


@dataclass(frozen=True)
class Metric:
    """A measured figure: the median of ``runs`` runs, with their min and max."""

    value: float
    unit: str
    min: float
    max: float
    runs: int


def measure(
    fn: Callable[[], float | None], *, unit: str, runs: int = RUNS, warmup: int = 1
) -> Metric:
    """Run ``fn`` ``warmup`` times unmeasured, then ``runs`` times.

    ``fn`` returns the figure of one run (e.g. saves/s), or None to have its wall time in
    seconds taken as the figure.
    """
    for _ in range(warmup):
        fn()
    values = []
    for _ in range(runs):
        start = time.perf_counter()
        figure = fn()
        values.append(time.perf_counter() - start if figure is None else float(figure))
    return Metric(statistics.median(values), unit, min(values), max(values), len(values))


def single(value: float, unit: str) -> Metric:
    """A figure measured once (a count, such as errors)."""
    return Metric(float(value), unit, float(value), float(value), 1)


def machine_info() -> dict[str, Any]:
    """Cores, memory, the versions that matter for the figures, and the load average."""
    memory = None
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    memory = f"{int(line.split()[1]) // 1024} MiB"
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for package in ("psotrial", "sqlalchemy", "polars", "fastapi", "uvicorn", "psycopg"):
        try:
            versions[package] = version(package)
        except Exception:  # not installed: say so rather than fail the run
            versions[package] = "not installed"
    return {
        "cores": os.cpu_count(),
        "memory": memory,
        "platform": platform.platform(),
        "versions": versions,
        # Figures taken while other work shares the cores are slower: say how busy it was.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def write_results(metrics: Mapping[str, Metric], path: Path = RESULTS) -> None:
    """Merge ``metrics`` into results.json (other benchmarks' figures are kept)."""
    existing: dict[str, Any] = {}
    if path.exists():
        existing = json.loads(path.read_text(encoding="utf-8")).get("metrics", {})
    existing.update({name: asdict(metric) for name, metric in metrics.items()})
    document = {"machine": machine_info(), "metrics": dict(sorted(existing.items()))}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def print_table(metrics: Mapping[str, Metric]) -> None:
    """One line per metric: name, median, unit, min-max, runs."""
    for name, m in metrics.items():
        print(f"{name:34} {m.value:12.3f} {m.unit:10} [{m.min:.3f} - {m.max:.3f}] n={m.runs}")
