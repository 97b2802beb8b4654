"""Benchmark 2: bulk import of synthetic casebooks through the capture services (issue 7).

``psotrial simulate cohort`` makes 10,000 synthetic candidates with full follow-up (cached
in var/bench/); ``psotrial import`` (the real command, in its own process) reads them into
a fresh SQLite database, every form validated, scored, edit-checked and audited. The
10,000 are imported as a warm-up slice and five measured slices of 2,000 into the same
database, so the five figures are five runs and together cover all 10,000 (the database
grows as a real one does). Participants per second, counting candidates screened out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from itertools import pairwise
from pathlib import Path

from bench.harness import Metric, measure, print_table

__all__ = ["run"]

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench"
PSOTRIAL = Path(sys.executable).parent / "psotrial"

FULL = {"warmup": 200, "slice": 2000, "runs": 5}
QUICK = {"warmup": 3, "slice": 10, "runs": 2}
# At ~6 participants/s the full 10,200 take half an hour; PSOTRIAL_BENCH_IMPORT_SLICE=N
# measures five slices of N from the same cached cohort instead (the rate is per
# participant; the document says when a figure comes from smaller slices).
_SLICE_VARIABLE = "PSOTRIAL_BENCH_IMPORT_SLICE"


def _cohort(size: int) -> list[bytes]:
    """The lines of a simulated cohort of ``size`` candidates (simulated once, cached)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"import-cohort-{size}.jsonl"
    if not path.exists():
        subprocess.run(
            [
                *(str(PSOTRIAL), "simulate", "cohort", "--n", str(size)),
                *("--seed", "11", "--out", str(path)),
            ],
            check=True,
        )
    return path.read_bytes().splitlines(keepends=True)


def run(quick: bool) -> dict[str, Metric]:
    """``import_participants_per_s``: the median of the measured slices."""
    sizes = dict(QUICK if quick else FULL)
    lines = _cohort(sizes["warmup"] + sizes["slice"] * sizes["runs"])
    if not quick and _SLICE_VARIABLE in os.environ:
        sizes["slice"] = min(int(os.environ[_SLICE_VARIABLE]), sizes["slice"])
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        folder = Path(scratch)
        env = {**os.environ, "PSOTRIAL_DATABASE_URL": f"sqlite:///{folder / 'import.db'}"}
        subprocess.run([str(PSOTRIAL), "db", "upgrade"], env=env, check=True, capture_output=True)
        offsets = [0, sizes["warmup"]]
        offsets += [sizes["warmup"] + sizes["slice"] * (i + 1) for i in range(sizes["runs"])]
        slices = iter(pairwise(offsets))

        def one_slice() -> float:
            start, end = next(slices)
            path = folder / f"slice-{start}.jsonl"
            path.write_bytes(b"".join(lines[start:end]))
            load = os.getloadavg()[0]
            began = time.perf_counter()
            subprocess.run(
                [str(PSOTRIAL), "import", str(path)], env=env, check=True, capture_output=True
            )
            rate = (end - start) / (time.perf_counter() - began)
            print(f"  import {end - start} participants: {rate:.1f}/s, load average {load:.2f}")
            return rate

        rate = measure(one_slice, unit="participants/s", runs=sizes["runs"])
    return {"import_participants_per_s": rate}


if __name__ == "__main__":
    print_table(run("--quick" in sys.argv))
