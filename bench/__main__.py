"""``python -m bench [--quick] [--only TOPIC ...] [--out FILE]``: run the benchmarks.

Each topic is a module ``bench/bench_<topic>.py`` with ``run(quick) -> {name: Metric}``
(issue 7); every one present runs, in a fixed order, unless ``--only`` names some. The
figures print as a table and merge into bench/results.json; ``--quick`` (tiny sizes, two
runs: it proves the harness works, not that anything is fast) writes
bench/results-quick.json instead, so a CI smoke run never overwrites the committed results.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from bench.harness import RESULTS, Metric, print_table, write_results

__all__ = ["QUICK_RESULTS", "TOPICS", "main", "run_topics"]

QUICK_RESULTS = RESULTS.with_name("results-quick.json")
# Fast and independent first; the load-generating capture benchmarks last.
ORDER = ("tools", "import", "pipeline", "capture")


def _topics() -> tuple[str, ...]:
    present = sorted(p.stem.removeprefix("bench_") for p in RESULTS.parent.glob("bench_*.py"))
    return tuple(sorted(present, key=lambda t: (ORDER.index(t) if t in ORDER else len(ORDER), t)))


TOPICS = _topics()


def run_topics(topics: Sequence[str], *, quick: bool) -> dict[str, Metric]:
    """Run each topic's benchmark in turn and return every figure, printing each table."""
    metrics: dict[str, Metric] = {}
    for topic in topics:
        module = importlib.import_module(f"bench.bench_{topic}")
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"== {topic} ({'quick' if quick else 'full'}; load average {load})", flush=True)
        started = time.perf_counter()
        figures = module.run(quick)
        print_table(figures)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"   {topic}: {time.perf_counter() - started:.1f} s; load average {load}")
        metrics.update(figures)
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments, run the topics, write the results; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, two runs each")
    parser.add_argument(
        "--only", nargs="+", choices=TOPICS, metavar="TOPIC", help=f"of: {', '.join(TOPICS)}"
    )
    parser.add_argument("--out", type=Path, help="results file (default: bench/results.json)")
    args = parser.parse_args(argv)
    topics = args.only or TOPICS
    out = args.out or (QUICK_RESULTS if args.quick else RESULTS)
    written = 0
    for topic in topics:
        # Written after each topic: a later topic that fails keeps the earlier figures.
        metrics = run_topics([topic], quick=args.quick)
        write_results(metrics, out)
        written += len(metrics)
    print(f"wrote {written} figures to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
