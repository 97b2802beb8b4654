"""Synthetic benchmark databases of 1,000 to 100,000 participants, built in seconds.

A small demo trial is built once through the capture services
(:func:`psotrial.capture.demo.build_demo`: validated, scored, edit-checked, audited) into
``var/bench/template-<key>.db``. A database of ``n`` participants is a copy of that template
whose participants, visits, form entries and eligibility verdicts are cloned with new IDs by
set-based ``INSERT ... SELECT`` statements until it holds ``n`` participants; it is cached as
``var/bench/pipeline-<n>-<key>.db`` so later runs reuse it (delete ``var/bench/`` to rebuild).

**The bulk clone bypasses capture** (no validation, scoring, edit checks or audit events for
the clones; the audit trail covers only the template's rows) **only to make benchmark data**.
It is never used for study data: it writes nothing but a copy of a SYNTHETIC demo under
``var/bench/``, and every clone keeps the study's SYNTHETIC mark. Clone ``k`` of template
participant ``p`` gets participant id ``p + k * P`` (``P`` the template's largest id), the
screening number ``SITE-S<id, 7 digits>`` and, when ``p`` is enrolled, the code
``SITE-<id, 7 digits>``: distinct from the template's 3-digit numbers.

Usage: ``python -m bench.bulkdb 10000`` prints the path of the 10,000-participant database.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["BENCH_DIR", "TEMPLATE_CANDIDATES", "build_bench_database", "build_template"]

BENCH_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"
TEMPLATE_CANDIDATES = 60
"""Candidates screened for the template demo (its 210-day data cut keeps about 34)."""
_TEMPLATE_SEED = 7
_TEMPLATE_NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
# Bump when the cloning changes, so cached databases built the old way are not reused.
_CLONE_VERSION = 1


def _cache_key() -> str:
    """Template parameters and the schema head: a new migration means new databases."""
    from psotrial.db.engine import make_engine
    from psotrial.db.migrate import head_revision
    from psotrial.settings import Settings

    engine = make_engine(Settings(database_url="sqlite://"))
    head = head_revision(engine)
    engine.dispose()
    text = f"{TEMPLATE_CANDIDATES}/{_TEMPLATE_SEED}/{_TEMPLATE_NOW}/{_CLONE_VERSION}/{head}"
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def build_template(directory: Path = BENCH_DIR) -> Path:
    """The template demo database (built through the capture services once, then reused)."""
    path = directory / f"template-{_cache_key()}.db"
    if path.exists():
        return path
    from psotrial.capture.demo import build_demo
    from psotrial.db.engine import make_engine, make_sessionmaker
    from psotrial.db.migrate import upgrade
    from psotrial.protocol import load_protocol
    from psotrial.settings import Settings

    directory.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    for stale in directory.glob(f"{partial.name}*"):
        stale.unlink()
    engine = make_engine(Settings(database_url=f"sqlite:///{partial}"))
    try:
        upgrade(engine)
        build_demo(
            make_sessionmaker(engine),
            protocol=load_protocol("nct03745417"),
            protocol_name="nct03745417",
            participants=TEMPLATE_CANDIDATES,
            seed=_TEMPLATE_SEED,
            now=_TEMPLATE_NOW,
        )
    finally:
        engine.dispose()
    _checkpoint_and_move(partial, path)
    return path


def build_bench_database(participants: int, directory: Path = BENCH_DIR) -> Path:
    """A SQLite database of exactly ``participants`` synthetic participants (cached).

    Raises:
        ValueError: fewer participants than the template holds.
    """
    template = build_template(directory)
    path = directory / f"pipeline-{participants}-{_cache_key()}.db"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    for stale in directory.glob(f"{partial.name}*"):
        stale.unlink()
    source = sqlite3.connect(template)
    target = sqlite3.connect(partial)
    source.backup(target)
    source.close()
    try:
        _clone(target, participants)
    finally:
        target.close()
    _checkpoint_and_move(partial, path)
    return path


def _clone(db: sqlite3.Connection, participants: int) -> None:
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA foreign_keys=OFF")
    (count, offset) = db.execute("SELECT count(*), max(id) FROM participant").fetchone()
    if participants < count:
        raise ValueError(
            f"participants: expected at least {count} (the template), got {participants}"
        )
    copies = math.ceil(participants / count) - 1
    (entry_offset,) = db.execute("SELECT max(id) FROM form_entry").fetchone()
    (visit_offset,) = db.execute("SELECT max(id) FROM visit").fetchone()
    (verdict_offset,) = db.execute("SELECT max(id) FROM criterion_verdict").fetchone()
    db.execute("BEGIN")
    # clone_map: one row per cloned participant; copy k of the r-th template participant
    # exists while k * count + r <= participants (so the total is exact).
    db.execute(
        """
        CREATE TEMP TABLE clone_map AS
        WITH RECURSIVE copy(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM copy WHERE k < ?),
        ranked AS (SELECT id, row_number() OVER (ORDER BY id) AS r FROM participant)
        SELECT ranked.id AS old_id, copy.k AS k, ranked.id + copy.k * ? AS new_id
        FROM ranked CROSS JOIN copy WHERE copy.k * ? + ranked.r <= ?
        """,
        (max(copies, 1), offset, count, participants),
    )
    db.execute("CREATE INDEX temp.ix_clone_map ON clone_map (old_id)")
    db.execute(
        """
        INSERT INTO participant (id, study_id, site_id, screening_number, participant_code,
            status, status_date, status_reason, screening_date, planned_first_infusion,
            first_infusion, locked, version, created_at)
        SELECT m.new_id, p.study_id, p.site_id,
            printf('%s-S%07d', s.code, m.new_id),
            CASE WHEN p.participant_code IS NULL THEN NULL
                 ELSE printf('%s-%07d', s.code, m.new_id) END,
            p.status, p.status_date, p.status_reason, p.screening_date,
            p.planned_first_infusion, p.first_infusion, p.locked, p.version, p.created_at
        FROM clone_map m JOIN participant p ON p.id = m.old_id JOIN site s ON s.id = p.site_id
        ORDER BY m.new_id
        """
    )
    db.execute(
        """
        INSERT INTO visit (id, participant_id, visit_code, target_date, earliest_date,
            latest_date, actual_date, window_status)
        SELECT v.id + m.k * ?, m.new_id, v.visit_code, v.target_date, v.earliest_date,
            v.latest_date, v.actual_date, v.window_status
        FROM clone_map m JOIN visit v ON v.participant_id = m.old_id
        ORDER BY m.k, v.id
        """,
        (visit_offset,),
    )
    db.execute(
        """
        INSERT INTO form_entry (id, participant_id, visit_code, form_code, repeat_index, data,
            scores, status, version, locked, created_at, created_by, updated_at, updated_by)
        SELECT e.id + m.k * ?, m.new_id, e.visit_code, e.form_code, e.repeat_index, e.data,
            e.scores, e.status, e.version, e.locked, e.created_at, e.created_by,
            e.updated_at, e.updated_by
        FROM clone_map m JOIN form_entry e ON e.participant_id = m.old_id
        ORDER BY m.k, e.id
        """,
        (entry_offset,),
    )
    db.execute(
        """
        INSERT INTO criterion_verdict (id, participant_id, criterion_id, status, reason,
            evaluated_at, evaluated_by)
        SELECT c.id + m.k * ?, m.new_id, c.criterion_id, c.status, c.reason,
            c.evaluated_at, c.evaluated_by
        FROM clone_map m JOIN criterion_verdict c ON c.participant_id = m.old_id
        ORDER BY m.k, c.id
        """,
        (verdict_offset,),
    )
    db.execute("DROP TABLE clone_map")
    db.execute("COMMIT")
    (total,) = db.execute("SELECT count(*) FROM participant").fetchone()
    if total != participants:
        raise RuntimeError(f"cloned {total} participants, expected {participants}")
    db.execute("ANALYZE")


def _checkpoint_and_move(partial: Path, path: Path) -> None:
    db = sqlite3.connect(partial)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode=WAL")  # the mode the application's engine sets anyway
    db.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.replace(path)


def main(argv: list[str]) -> None:
    """``python -m bench.bulkdb N [N...]``: build (or find) each database and print it."""
    for arg in argv or ["1000"]:
        start = time.perf_counter()
        path = build_bench_database(int(arg))
        print(f"{arg:>7} participants  {time.perf_counter() - start:7.1f} s  {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
