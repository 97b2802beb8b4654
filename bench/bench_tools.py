"""The tools: ``psotrial report``, ``psotrial analyze pasi`` and ``psotrial design simon``.

Each figure times the command as a user runs it, in a fresh process, so the CLI's start-up
is part of it (issue 7: report <= 15 s on the demo database, analyze pasi <= 2 s on
1,000,000 rows, design simon <= 1 s with nmax 60). The inputs (a demo database, a PASI
file) are built once, outside the timing. For analyze pasi the in-process computation and
the start-up of ``psotrial --help`` are printed beside it, to show where the time goes.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import Metric, measure

__all__ = ["run", "write_pasi_csv"]

# The console script of this interpreter's environment (the venv's, under `make bench`).
_BESIDE = Path(sys.executable).with_name("psotrial")
PSOTRIAL = str(_BESIDE) if _BESIDE.exists() else (shutil.which("psotrial") or "psotrial")
# Visits of the long PASI file: a baseline and nine follow-ups, as in NCT03745417's schedule.
VISITS = ("BASELINE", "W2", "W4", "W6", "W8", "W10", "W12", "W16", "W20", "W24")
ARMS = ("UC-MSC", "PLACEBO")
# Simon's example-sized question: a 20% response rate not worth pursuing, 40% hoped for.
SIMON = ("--p0", "0.2", "--p1", "0.4", "--alpha", "0.05", "--beta", "0.2")


def run(quick: bool) -> dict[str, Metric]:
    """report_s, analyze_pasi_1m_s and design_simon_nmax60_s (tiny inputs when quick)."""
    runs, warmup = (2, 0) if quick else (5, 1)
    with tempfile.TemporaryDirectory(prefix="psotrial-bench-tools-") as folder:
        work = Path(folder)
        return {
            "report_s": _report(work, quick, runs, warmup),
            "analyze_pasi_1m_s": _analyze(work, quick, runs, warmup),
            "design_simon_nmax60_s": _simon(quick, runs, warmup),
        }


def write_pasi_csv(path: Path, participants: int, *, seed: int = 2026) -> int:
    """Write a synthetic long PASI file (USUBJID,ARM,AVISIT,AVAL); return its row count.

    One row per participant and visit; PASI values with one decimal, about 3% missing
    (``NA``) after baseline, improvement drawn per participant so every threshold is hit.
    """
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    visits = len(VISITS)
    baseline = rng.integers(120, 401, participants)  # PASI 12.0-40.0 in tenths
    # Each participant's improvement at each follow-up, from worse (-20%) to clear (100%).
    improvement = rng.uniform(-0.2, 1.0, (participants, visits - 1))
    follow = np.rint(baseline[:, None] * (1 - improvement)).astype(np.int64)
    tenths = np.concatenate([baseline[:, None], follow], axis=1).ravel()
    text = [f"{value // 10}.{value % 10}" for value in tenths.tolist()]
    missing = rng.random(participants * visits) < 0.03
    missing[::visits] = False  # every participant keeps a baseline
    frame = pl.DataFrame(
        {
            "USUBJID": np.repeat([f"SYN-{i:06d}" for i in range(participants)], visits),
            "ARM": np.repeat([ARMS[i % 2] for i in range(participants)], visits),
            "AVISIT": np.tile(np.array(VISITS), participants),
            "AVAL": np.where(missing, "NA", np.array(text)),
        }
    )
    frame.write_csv(path)
    return frame.height


def _command(*args: str, env: dict[str, str] | None = None) -> None:
    # Output to /dev/null: the figure is the command's work, not the terminal's.
    done = subprocess.run(
        [PSOTRIAL, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"psotrial {' '.join(args)} exited {done.returncode}: {done.stderr}")


def _timed(*args: str, runs: int, warmup: int, env: dict[str, str] | None = None) -> Metric:
    """The command's wall time; its CPU time (which the machine's load barely moves) printed."""
    cpu: list[float] = []

    def once() -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        _command(*args, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

    metric = measure(once, unit="s", runs=runs, warmup=warmup)
    print(
        f"  psotrial {args[0]} {args[1] if len(args) > 1 else ''}: wall {metric.value:.3f} s, "
        f"CPU (user + system) {statistics.median(cpu[warmup:]):.3f} s (medians)"
    )
    return metric


def _report(work: Path, quick: bool, runs: int, warmup: int) -> Metric:
    env = {**os.environ, "PSOTRIAL_DATABASE_URL": f"sqlite:///{work / 'demo.db'}"}
    # The demo database of `make run` (30 participants at every stage); 5 when quick.
    _command("demo", "--participants", "5" if quick else "30", env=env)
    out = work / "report"
    return _timed("report", "--out", str(out), env=env, runs=runs, warmup=warmup)


def _analyze(work: Path, quick: bool, runs: int, warmup: int) -> Metric:
    path = work / "pasi.csv"
    rows = write_pasi_csv(path, 100 if quick else 100_000)
    metric = _timed("analyze", "pasi", str(path), runs=runs, warmup=warmup)
    compute = measure(lambda: _compute_pasi(path), unit="s", runs=runs, warmup=warmup)
    startup = measure(lambda: _command("--help"), unit="s", runs=runs, warmup=warmup)
    print(
        f"  analyze pasi on {rows:,} rows: command {metric.value:.3f} s = in-process "
        f"{compute.value:.3f} s (read + responders) + start-up and output; "
        f"`psotrial --help` alone {startup.value:.3f} s"
    )
    return metric


def _compute_pasi(path: Path) -> None:
    from psotrial.cli.analyze import read_pasi_csv
    from psotrial.stats.responders import build_pasi_responders, build_responders_json

    build_responders_json(build_pasi_responders(read_pasi_csv(path)))


def _simon(quick: bool, runs: int, warmup: int) -> Metric:
    # nmax 60 even when quick: the search takes well under a second, and a smaller nmax
    # holds no design for this question (the optimal design needs 43 participants).
    return _timed("design", "simon", *SIMON, "--nmax", "60", runs=runs, warmup=warmup)
