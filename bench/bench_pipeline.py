"""Benchmark 3 (issue 7): the analysis pipeline at 1,000, 10,000 and 100,000 participants.

One run is what ``psotrial report`` computes before any figure or PDF
(:func:`psotrial.reports.build.load_report_data`): ``load_captured`` -> ``build_sdtm`` ->
``build_adam`` (NRI), a group of participants at a time
(:func:`psotrial.reports.build.build_analysed`), then ``build_analysis`` (every statistic
of the report), from a SQLite database of that many SYNTHETIC participants
(:mod:`bench.bulkdb`: a demo built through the capture services, cloned with new IDs;
built once and cached under ``var/bench/``).

Each size runs in a fresh subprocess (imports, one warm-up run, then the timed runs), so
``pipeline_10k_peak_mb`` is that process's peak RSS (``ru_maxrss``: the high-water mark of
the warm-up and all timed runs, imports included), not a tracemalloc figure.

The floor, ``pipeline_10k_read_floor_s``: the same SELECT statements ``load_captured``
issues (same tables, columns, filters and order) through the same driver (sqlite3), every
row fetched into Python tuples and nothing else done: no type conversion (dates and
timestamps stay text), no JSON parsing, no frames. It is what any pipeline reading this
database must pay; the ratio ``pipeline_10k_s / pipeline_10k_read_floor_s`` is printed.

``pipeline_growth_exponent`` = log(t100k / t10k) / log(10): 1.0 is linear.

Quick mode: a 100-participant database, two runs, no 100k (the 1k and 10k figures are
then both taken at 100 participants: it proves the harness works, nothing more).

Stand-alone: ``python -m bench.bench_pipeline [--quick]`` (or ``--child DB RUNS WARMUP``).
"""

from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench.bulkdb import build_bench_database
from bench.harness import Metric, print_table

__all__ = ["read_floor", "run", "run_pipeline"]

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
RUNS = 5
RUNS_100K = 5
# One 100k run takes 5-15 min here; PSOTRIAL_BENCH_100K_RUNS=N (N < 5) measures N runs
# without the warm-up when there is not the best part of an hour for it: the result's
# `runs` says how many, and the figure is not the median of five.
_RUNS_100K_VARIABLE = "PSOTRIAL_BENCH_100K_RUNS"
QUICK_SIZE = 100
QUICK_RUNS = 2
_ROOT = Path(__file__).resolve().parent.parent


def run_pipeline(database: Path) -> dict[str, float]:
    """One pipeline run on ``database``: seconds per stage, ``total`` and ``cpu`` seconds.

    As ``psotrial report`` (:func:`psotrial.reports.build.load_report_data`): read, SDTM
    and ADaM by :func:`~psotrial.reports.build.build_analysed` (a large study a group of
    participants at a time; the stage seconds are summed over the groups), then
    ``build_analysis`` of the ADaM datasets and SDTM IE.
    """
    from psotrial.db.engine import make_engine, make_sessionmaker
    from psotrial.protocol import load_protocol
    from psotrial.reports.build import build_analysed
    from psotrial.settings import Settings
    from psotrial.stats.build import build_analysis

    engine = make_engine(Settings(database_url=f"sqlite:///{database}"))
    stages: dict[str, float] = {"load_captured": 0.0, "build_sdtm": 0.0, "build_adam": 0.0}
    try:
        protocol = load_protocol("nct03745417")
        cpu = time.process_time()
        start = time.perf_counter()
        with make_sessionmaker(engine)() as session:
            built = build_analysed(session, protocol, imputation="nri", seconds=stages)
        mark = time.perf_counter()
        build_analysis(built.adam, protocol, data_cut=built.data_cut)
        stages["build_analysis"] = time.perf_counter() - mark
        stages["total"] = time.perf_counter() - start
        # CPU seconds of every thread: less sensitive than wall time to other work on the
        # machine (printed beside the figures, never a figure itself).
        stages["cpu"] = time.process_time() - cpu
    finally:
        engine.dispose()
    return stages


def read_floor(database: Path) -> float:
    """Seconds to fetch, with the bare driver, every row ``load_captured`` reads."""
    import sqlite3

    start = time.perf_counter()
    db = sqlite3.connect(database)
    try:
        (study_id,) = db.execute(
            "SELECT id FROM study WHERE registry_id = ?", ("NCT03745417",)
        ).fetchone()
        db.execute(
            "SELECT registry_id, protocol, title, synthetic FROM study WHERE id = ?", (study_id,)
        ).fetchall()
        db.execute(
            "SELECT code, name, timezone FROM site WHERE study_id = ? ORDER BY code", (study_id,)
        ).fetchall()
        db.execute(
            "SELECT p.id, s.code, p.screening_number, p.participant_code, p.status,"
            " p.status_date, p.status_reason, p.screening_date, p.planned_first_infusion,"
            " p.first_infusion FROM participant p JOIN site s ON s.id = p.site_id"
            " WHERE p.study_id = ? ORDER BY p.id",
            (study_id,),
        ).fetchall()
        in_study = "(SELECT id FROM participant WHERE study_id = ?)"
        db.execute(
            "SELECT participant_id, visit_code, target_date, earliest_date, latest_date,"
            f" actual_date, window_status FROM visit WHERE participant_id IN {in_study}"
            " ORDER BY participant_id, id",
            (study_id,),
        ).fetchall()
        db.execute(
            "SELECT participant_id, criterion_id, status, reason FROM criterion_verdict"
            f" WHERE participant_id IN {in_study} ORDER BY participant_id, criterion_id",
            (study_id,),
        ).fetchall()
        db.execute(
            "SELECT id, participant_id, visit_code, form_code, repeat_index, status, version,"
            f" updated_at, data, scores FROM form_entry WHERE participant_id IN {in_study}"
            " ORDER BY id",
            (study_id,),
        ).fetchall()
    finally:
        db.close()
    return time.perf_counter() - start


def _memory_guard(limit_mb: float) -> None:
    """Stop this process (exit 3) when its RSS passes ``limit_mb``.

    The machine is shared: a size that does not fit must fail alone, not push other
    processes out of memory (there is no swap).
    """

    def watch() -> None:
        while True:
            with open("/proc/self/statm", encoding="ascii") as handle:
                rss_mb = int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
            if rss_mb > limit_mb:
                print(f"memory guard: RSS {rss_mb:.0f} MB > {limit_mb:.0f} MB", file=sys.stderr)
                os._exit(3)
            time.sleep(0.05)

    threading.Thread(target=watch, daemon=True).start()


def _memory_limit_mb() -> float:
    """``PSOTRIAL_BENCH_MAX_RSS_MB``, else 60% of the memory available now."""
    if "PSOTRIAL_BENCH_MAX_RSS_MB" in os.environ:
        return float(os.environ["PSOTRIAL_BENCH_MAX_RSS_MB"])
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemAvailable:"):
                return 0.6 * int(line.split()[1]) / 1024
    return 8192.0


def _child(database: Path, runs: int, warmup: int, floor: bool) -> dict[str, Any]:
    """Run in a fresh process: warm-up, timed runs, optionally the floor; report as JSON."""
    _memory_guard(_memory_limit_mb())
    floors = []
    if floor:
        read_floor(database)  # warm-up: the file in the page cache, as for the pipeline
        floors = [read_floor(database) for _ in range(runs)]
    for _ in range(warmup):
        run_pipeline(database)
    timed = [run_pipeline(database) for _ in range(runs)]
    return {
        "runs": timed,
        "floor": floors,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "load_average": os.getloadavg(),
    }


def _measure(database: Path, runs: int, warmup: int, floor: bool) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_pipeline",
            "--child",
            str(database),
            str(runs),
            str(warmup),
            "floor" if floor else "-",
        ],
        cwd=_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == 3:  # the memory guard: this size does not fit this machine
        raise MemoryError(done.stderr.strip().splitlines()[-1])
    if done.returncode != 0:
        raise RuntimeError(f"pipeline benchmark on {database} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _metric(values: list[float], unit: str) -> Metric:
    return Metric(statistics.median(values), unit, min(values), max(values), len(values))


def run(quick: bool) -> dict[str, Metric]:
    """Every pipeline figure of issue 7 (see the module docstring)."""
    if quick:
        plan = {"1k": (QUICK_SIZE, QUICK_RUNS), "10k": (QUICK_SIZE, QUICK_RUNS)}
    else:
        plan = {"1k": (SIZES["1k"], RUNS), "10k": (SIZES["10k"], RUNS)}
        plan["100k"] = (SIZES["100k"], int(os.environ.get(_RUNS_100K_VARIABLE, RUNS_100K)))
    metrics: dict[str, Metric] = {}
    totals: dict[str, float] = {}
    cpu_totals: dict[str, float] = {}
    for label, (size, runs) in plan.items():
        database = build_bench_database(size)
        try:
            warmup = 0 if label == "100k" and runs < RUNS_100K else 1
            result = _measure(database, runs, warmup, floor=label == "10k")
        except MemoryError as exc:
            print(f"   {label} ({size} participants): not measured: {exc}", flush=True)
            continue
        times = [r["total"] for r in result["runs"]]
        metrics[f"pipeline_{label}_s"] = _metric(times, "s")
        totals[label] = statistics.median(times)
        cpu_totals[label] = statistics.median(r["cpu"] for r in result["runs"])
        stages = {
            stage: statistics.median(r[stage] for r in result["runs"])
            for stage in result["runs"][0]
        }
        load = ", ".join(f"{x:.2f}" for x in result["load_average"])
        print(
            f"   {label} ({size} participants, {runs} runs): "
            + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items())
            + f"; peak RSS {result['peak_mb']:.0f} MB; load average {load}",
            flush=True,
        )
        if label == "10k":
            metrics["pipeline_10k_read_floor_s"] = _metric(result["floor"], "s")
            metrics["pipeline_10k_peak_mb"] = Metric(
                result["peak_mb"], "MB", result["peak_mb"], result["peak_mb"], 1
            )
            ratio = totals["10k"] / statistics.median(result["floor"])
            print(f"   10k pipeline / read floor: {ratio:.1f}x", flush=True)
    if "100k" in totals:
        exponent = math.log(totals["100k"] / totals["10k"]) / math.log(10)
        metrics["pipeline_growth_exponent"] = Metric(exponent, "", exponent, exponent, 1)
        # wall time moves with the machine's load; CPU time shows the work's own growth
        cpu = math.log(cpu_totals["100k"] / cpu_totals["10k"]) / math.log(10)
        print(f"   growth exponent 10k -> 100k: wall {exponent:.2f}, CPU {cpu:.2f}", flush=True)
    return metrics


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        database, runs, warmup, floor = sys.argv[2:6]
        report = _child(Path(database), int(runs), int(warmup), floor == "floor")
        print(json.dumps(report))
    else:
        print_table(run("--quick" in sys.argv[1:]))
