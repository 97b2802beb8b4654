"""Benchmark 1: capture under load, on SQLite and on PostgreSQL (issue 7).

A real ``psotrial serve`` process on loopback, a database of 1,000 synthetic
participants with full follow-up, and the load generator (bench/loadgen.py) in a process
of its own: 32 clients saving PASI, DLQI, laboratory panels and adverse events for 30 s,
every save validated, scored, edit-checked and audited by the server. Afterwards
``psotrial audit verify`` must pass, or the benchmark fails.

Setup is never timed. The 1,000 participants are simulated (``psotrial simulate
cohort``) and imported once through the capture services into a SQLite template kept in
var/bench/ (rebuilt when the schema revision changes); each benchmark copies it (SQLite)
or restores a backup of it into a fresh schema (PostgreSQL, restore verifies the chain).

The floor is the raw commit rate of the same database with the same durability settings:
one connection inserting a row and committing, in a loop, through ``make_engine`` (SQLite
WAL with synchronous=FULL and BEGIN IMMEDIATE; PostgreSQL with its default fsync).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, select, text

from bench.harness import Metric, measure, print_table
from psotrial.capture.actors import SYSTEM
from psotrial.capture.backup import backup_database, restore_database
from psotrial.capture.study import ensure_study
from psotrial.capture.users import create_user
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.db.migrate import head_revision, upgrade
from psotrial.db.models import Participant
from psotrial.protocol import load_protocol
from psotrial.settings import Settings

__all__ = ["build_template", "commit_floor", "run"]

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench"
PSOTRIAL = Path(sys.executable).parent / "psotrial"
PROTOCOL = "nct03745417"
USERNAME = "bench-coordinator"
# A synthetic benchmark account on a throwaway database; long enough for the password policy.
PASSWORD = "loadgen-synthetic-passphrase-4417-umbilical"
POSTGRES_URL = (
    os.environ.get("PSOTRIAL_TEST_POSTGRES_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)

FULL = {
    "participants": 1000,
    "clients": 32,
    "duration": 30.0,
    "runs": 5,
    "warmup": 1,
    "floor_s": 2.0,
}
# Quick proves the harness works, in seconds: no warm-up run.
QUICK = {"participants": 12, "clients": 4, "duration": 2.0, "runs": 2, "warmup": 0, "floor_s": 0.3}
# Participants each client keeps: enough that a client never waits on its own saves.
PER_CLIENT = 8


def _schema_revision() -> str:
    engine = create_engine("sqlite://")
    try:
        return head_revision(engine) or "none"
    finally:
        engine.dispose()


def build_template(participants: int) -> Path:
    """A SQLite database of ``participants`` simulated candidates, imported once and cached.

    Simulated with ``psotrial simulate cohort --seed 7`` and imported through the capture
    services (every form validated, scored, edit-checked and audited), with a coordinator
    account for the load generator.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"capture-{participants}-{_schema_revision()}.db"
    if path.exists():
        return path
    from psotrial.capture.importing import import_lines, read_lines

    cohort = CACHE / f"cohort-{participants}.jsonl"
    if not cohort.exists():
        subprocess.run(
            [
                *(str(PSOTRIAL), "simulate", "cohort", "--n", str(participants)),
                *("--seed", "7", "--out", str(cohort)),
            ],
            check=True,
        )
    building = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    engine = make_engine(Settings(database_url=f"sqlite:///{building}"))
    upgrade(engine)
    factory = make_sessionmaker(engine)
    protocol = load_protocol(PROTOCOL)
    with transaction(factory) as session:
        ensure_study(
            session, actor=SYSTEM, protocol=protocol, protocol_name=PROTOCOL, synthetic=True
        )
        create_user(
            session,
            actor=SYSTEM,
            username=USERNAME,
            full_name="Load generator (synthetic)",
            role="coordinator",
            password=PASSWORD,
            sites=["GZ01"],
        )
    refused = []
    with cohort.open("rb") as lines:
        for number, _label, error in import_lines(
            factory, protocol=protocol, actor=SYSTEM, lines=read_lines(lines)
        ):
            if error is not None:
                refused.append(f"line {number}: {error}")
    engine.dispose()
    if refused:
        raise RuntimeError(f"the benchmark cohort did not import: {refused[:3]}")
    with sqlite3.connect(building) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    os.replace(building, path)
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    return path


def _participant_codes(engine: Engine, count: int) -> list[str]:
    """``count`` enrolled participants, spread over the database (every k-th by id)."""
    with engine.connect() as connection:
        codes = list(
            connection.scalars(
                select(Participant.participant_code)
                .where(Participant.participant_code.is_not(None))
                .order_by(Participant.id)
            )
        )
    step = max(1, len(codes) // count)
    chosen = [c for c in codes[::step] if c is not None][:count]
    if len(chosen) < count:
        raise RuntimeError(f"the template holds {len(codes)} enrolled participants; need {count}")
    return chosen


def commit_floor(settings: Settings, seconds: float) -> float:
    """Commits per second of a minimal insert-and-commit loop on this database.

    One connection, one row per transaction, through ``make_engine``'s settings (so the
    same journal mode, synchronous level and BEGIN IMMEDIATE as every save); the table is
    dropped afterwards.
    """
    engine = make_engine(settings)
    postgres = engine.dialect.name == "postgresql"
    key = "BIGSERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY"
    with engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE TABLE bench_floor (id {key}, note TEXT)")
    factory = make_sessionmaker(engine)
    insert = text("INSERT INTO bench_floor (note) VALUES (:note)")
    commits = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        with transaction(factory) as session:
            session.execute(insert, {"note": "floor"})
        commits += 1
    elapsed = time.perf_counter() - start
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE bench_floor")
    engine.dispose()
    return commits / elapsed


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _server(database_url: str, workers: int) -> Iterator[tuple[str, int]]:
    """``psotrial serve`` on a free loopback port, until the block ends."""
    port = _free_port()
    env = {
        **os.environ,
        "PSOTRIAL_DATABASE_URL": database_url,
        "PSOTRIAL_SECRET_KEY": uuid.uuid4().hex * 2,
    }
    command = [str(PSOTRIAL), "serve", "--port", str(port)]
    if workers > 1:
        command += ["--workers", str(workers)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"psotrial serve exited with {process.returncode}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("psotrial serve did not answer /healthz within 120 s")
            time.sleep(0.2)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server process and its worker processes (Linux /proc;
    0.0 elsewhere). PostgreSQL's own backends are not counted."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, IndexError, ValueError):
            continue
        pending.extend(int(child) for child in children)
    return total


def _load(url: str, codes: list[str], clients: int, duration: float, seed: int) -> dict[str, Any]:
    """One run of the load generator in its own process; its summary document."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "password").write_text(PASSWORD, encoding="utf-8")
        (folder / "participants.json").write_text(json.dumps(codes), encoding="utf-8")
        out = folder / "result.json"
        subprocess.run(
            [
                *(sys.executable, "-m", "bench.loadgen", "--url", url, "--username", USERNAME),
                *("--password-file", str(folder / "password")),
                *("--participants-file", str(folder / "participants.json")),
                *("--clients", str(clients), "--duration", str(duration), "--seed", str(seed)),
                *("--out", str(out)),
            ],
            check=True,
            cwd=ROOT,
        )
        summary: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return summary


def _percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of sorted ``values`` (NaN when there are none)."""
    if not values:
        return float("nan")
    rank = max(1, round(fraction * len(values) + 0.5))
    return values[min(rank, len(values)) - 1]


def _verify(database_url: str) -> None:
    env = {**os.environ, "PSOTRIAL_DATABASE_URL": database_url}
    done = subprocess.run(
        [str(PSOTRIAL), "audit", "verify"], env=env, capture_output=True, text=True
    )
    lines = (done.stdout + done.stderr).strip().splitlines()
    print(f"  audit verify: exit {done.returncode}: {lines[-1] if lines else ''}")
    if done.returncode != 0:
        raise RuntimeError(f"psotrial audit verify failed after the load: {lines[-5:]}")


def _backend(
    name: str, settings: Settings, codes: list[str], sizes: dict[str, Any], workers: int
) -> dict[str, Metric]:
    """Floor, warm-up, the measured runs, and the audit check, on one prepared database."""
    runs = int(sizes["runs"])
    floor = measure(lambda: commit_floor(settings, sizes["floor_s"]), unit="commits/s", runs=runs)
    summaries: list[dict[str, Any]] = []

    def one_run() -> float:
        load = os.getloadavg()[0]
        # The server's CPU in the timed window, per successful save: the figure to compare
        # across machines and loads (saves/s moves with the share of the cores the server
        # gets). Sampled every 0.1 s; the window is the last `duration_s` before the load
        # generator finished (its setup, 32 logins with argon2, comes before).
        samples: list[tuple[float, float]] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append((time.perf_counter(), _server_cpu(pid)))
                stop.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        summary = _load(url, codes, sizes["clients"], sizes["duration"], seed=len(summaries))
        finished = time.perf_counter()
        stop.set()
        sampler.join()
        window = [c for t, c in samples if t >= finished - summary["duration_s"] - 0.5]
        server_cpu = (window[-1] - window[0]) if len(window) > 1 else 0.0
        summaries.append(summary)
        rate = summary["saves"] / summary["duration_s"]
        per_save = server_cpu / max(summary["saves"], 1) * 1000
        print(
            f"  {name} run {len(summaries)}: {rate:.1f} saves/s, {summary['saves']} saves, "
            f"{summary['conflicts']} conflicts, {summary['errors']} errors, "
            f"server CPU {server_cpu / summary['duration_s']:.2f} cores "
            f"({per_save:.1f} ms per save), "
            f"load generator CPU {summary['client_cpu_s'] / summary['duration_s']:.2f} cores, "
            f"load average {load:.2f}"
        )
        for sample in summary["samples"][:3]:
            print(f"    error: {sample}")
        return float(rate)

    with _server(settings.database_url, workers) as (url, pid):
        rate = measure(one_run, unit="saves/s", runs=runs, warmup=int(sizes["warmup"]))
    _verify(settings.database_url)
    measured = summaries[int(sizes["warmup"]) :]
    p = {
        q: [_percentile(s["latencies_ms"], f) for s in measured]
        for q, f in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))
    }
    errors = [float(s["errors"]) for s in measured]
    conflicts = sum(s["conflicts"] for s in measured)
    print(f"  {name}: {conflicts} conflicts in the measured runs (counted apart from errors)")
    prefix = f"capture_{name}"
    metrics = {f"{prefix}_saves_per_s": rate}
    for q, values in p.items():
        metrics[f"{prefix}_{q}_ms"] = Metric(
            statistics.median(values), "ms", min(values), max(values), len(values)
        )
    metrics[f"{prefix}_errors"] = Metric(
        sum(errors), "errors", min(errors), max(errors), len(errors)
    )
    metrics[f"{prefix}_commit_floor_per_s"] = floor
    print(f"  {name}: saves/s over the commit floor: {rate.value / floor.value:.2f}")
    return metrics


def _sqlite(
    template: Path, codes: list[str], sizes: dict[str, Any], workers: int
) -> dict[str, Metric]:
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        path = Path(scratch) / "capture.db"
        shutil.copyfile(template, path)
        settings = Settings(database_url=f"sqlite:///{path}")
        return _backend("sqlite", settings, codes, sizes, workers)


def _postgres(
    template: Path, codes: list[str], sizes: dict[str, Any], workers: int
) -> dict[str, Metric]:
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # no server here: say so, measure SQLite only
        print(f"  postgres: not reachable at {POSTGRES_URL} ({type(exc).__name__}); skipped")
        admin.dispose()
        return {}
    backup = template.with_suffix(".backup.gz")
    if not backup.exists():
        engine = make_engine(Settings(database_url=f"sqlite:///{template}"))
        with make_sessionmaker(engine)() as session:
            backup_database(
                session, actor=SYSTEM, path=backup, now=datetime(2026, 1, 1, tzinfo=UTC)
            )
        engine.dispose()
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    settings = Settings(database_url=f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    try:
        engine = make_engine(settings)
        upgrade(engine)
        restore_database(make_sessionmaker(engine), path=backup, actor_name="bench")
        engine.dispose()
        return _backend("postgres", settings, codes, sizes, workers)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def run(
    quick: bool,
    *,
    workers: int = 1,
    backends: tuple[str, ...] = ("sqlite", "postgres"),
    overrides: dict[str, float] | None = None,
) -> dict[str, Metric]:
    """Capture under load on each backend: the twelve capture_* metrics of issue 7."""
    sizes = {**(QUICK if quick else FULL), **(overrides or {})}
    started = time.perf_counter()
    template = build_template(int(sizes["participants"]))
    print(f"  template {template.name} ready in {time.perf_counter() - started:.1f} s (untimed)")
    engine = make_engine(Settings(database_url=f"sqlite:///{template}"))
    wanted = min(int(sizes["clients"]) * PER_CLIENT, 10_000)
    try:
        codes = _participant_codes(engine, min(wanted, _enrolled(engine)))
    finally:
        engine.dispose()
    metrics: dict[str, Metric] = {}
    if "sqlite" in backends:
        metrics.update(_sqlite(template, codes, sizes, workers))
    if "postgres" in backends:
        metrics.update(_postgres(template, codes, sizes, workers))
    return metrics


def _enrolled(engine: Engine) -> int:
    with engine.connect() as connection:
        return len(
            list(
                connection.scalars(
                    select(Participant.id).where(Participant.participant_code.is_not(None))
                )
            )
        )


def main(argv: list[str] | None = None) -> None:
    """``python -m bench.bench_capture [--quick] [--workers N] [--backend B] ...``."""
    parser = argparse.ArgumentParser(description="Capture under load (issue 7, benchmark 1).")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="psotrial serve processes")
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgres"))
    parser.add_argument("--duration", type=float, help="seconds per run")
    parser.add_argument("--runs", type=int, help="measured runs (after one warm-up)")
    parser.add_argument("--clients", type=int)
    args = parser.parse_args(argv)
    overrides = {
        key: value
        for key, value in (
            ("duration", args.duration),
            ("runs", args.runs),
            ("clients", args.clients),
        )
        if value is not None
    }
    result = run(
        args.quick,
        workers=args.workers,
        backends=tuple(args.backend or ("sqlite", "postgres")),
        overrides=overrides,
    )
    print_table(result)


if __name__ == "__main__":
    main()
