"""Crash consistency: SIGKILL ``psotrial serve`` while saves run, restart, and check that
every acknowledged save is stored at its version with its audit events, that nothing is
half-written, and that ``psotrial audit verify`` passes (SQLite file and PostgreSQL).

How: worker threads save vital signs at W0-W8 of enrolled participants over the JSON API
(``PUT .../forms/vital_signs`` with optimistic versions), each save with data unique to
its form. The server process is killed with SIGKILL at random moments (no shutdown code
runs; a transaction in flight is cut wherever it is) and started again on the same port.
Afterwards every version of every form is rebuilt from the audit trail
(``conftest.form_histories``) and compared with what the clients were told
(``conftest.check_saves``).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest


@dataclass
class CrashRun:
    kills: int
    check: Any
    verified: tuple[int, str]
    restart_seconds: list[float]


def run_crashes(
    kit: Any,
    trial: Any,
    serve: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    kills: int,
    participants: int,
    workers: int,
    seed: int,
    window: tuple[float, float] = (0.02, 0.4),
) -> CrashRun:
    codes = kit.enrol_participants(trial, participants)
    process = serve(trial.db.settings.database_url)
    process.start()
    token = process.token("coordinator", trial.password)
    slots = [(code, visit) for code in codes for visit in kit.SLOT_VISITS]
    driver = kit.SaveDriver(lambda: process.url, token, slots, workers)
    rng = random.Random(seed)
    restarts = []
    driver.start()
    try:
        for kill in range(kills):
            # Kill once saves flow again after the restart, at a random moment after that.
            acknowledged = driver.count("acknowledged")
            deadline = time.monotonic() + 30
            while driver.count("acknowledged") == acknowledged and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(*window))
            process.kill()
            if kill < kills - 1:
                restarts.append(process.start())
    finally:
        driver.stop()
    assert not driver.failures, driver.failures[:5]

    # Restarted after the last kill, the server shows each form as its audit rebuilds it.
    histories = kit.form_histories(trial.db.factory)
    restarts.append(process.start())
    with httpx.Client(base_url=process.url, headers={"Authorization": f"Bearer {token}"}) as api:
        for (pid, visit), history in histories.items():
            shown = api.get(kit.FORMS.format(pid=pid, visit=visit, form="vital_signs")).json()
            assert (shown["version"], shown["data"]) == (len(history), history[-1])
    process.kill()
    return CrashRun(
        kills,
        kit.check_saves(driver.attempts, histories),
        kit.audit_verify_cli(trial.db.settings.database_url, monkeypatch, capsys),
        restarts,
    )


def assert_consistent(run: CrashRun) -> None:
    assert run.check.problems == []
    assert run.check.lost == 0
    assert run.check.acknowledged > 0
    assert run.verified[0] == 0, run.verified[1]
    assert run.verified[1].startswith("audit trail intact")


def test_sigkill_during_saves_loses_nothing_acknowledged(
    kit: Any,
    trial: Any,
    serve: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = run_crashes(
        kit, trial, serve, monkeypatch, capsys, kills=3, participants=2, workers=4, seed=8
    )
    assert_consistent(run)


def test_sigkill_twenty_times_loses_nothing_acknowledged(
    long_only: None,
    kit: Any,
    trial: Any,
    serve: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = run_crashes(
        kit,
        trial,
        serve,
        monkeypatch,
        capsys,
        kills=20,
        participants=4,
        workers=8,
        seed=20,
        window=(0.2, 1.5),
    )
    assert_consistent(run)
    check = run.check
    kit.report(
        capsys,
        f"crash ({trial.db.backend}): {run.kills} kills, {check.acknowledged} acknowledged "
        f"saves, {check.lost} lost, {check.unknown_committed + check.unknown_absent} cut by a "
        f"kill ({check.unknown_committed} committed whole, {check.unknown_absent} not at all, "
        f"0 half-written), audit chain intact ({run.verified[1].split(': ')[1]}); restart "
        f"{max(run.restart_seconds):.1f} s at most",
    )
