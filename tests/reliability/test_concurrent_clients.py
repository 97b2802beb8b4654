"""Concurrency over HTTP: many clients against one ``psotrial serve`` process, on SQLite
and PostgreSQL. No lost update (every stale save is a 409 and overwrites nothing; the
versions the server acknowledged are 2, 3, ... with none missing or given twice), no
duplicate screening number or participant ID, an intact audit chain, and no deadlock
(every client thread finishes within a bound).

The services under it are tested with threads in tests/capture/test_concurrency.py; here
the whole stack runs: HTTP, the server's thread pool, sessions, the database's locks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from psotrial.audit import verify_audit
from psotrial.db.models import Participant

THREADS = 16
DEADLINE_S = 120  # no thread may take longer: a stuck lock shows up as a timeout here


def edit_one_form(
    kit: Any, trial: Any, serve: Callable[[str], Any], *, rounds: int
) -> tuple[Any, list[Any], dict[str, Any]]:
    """THREADS clients read-modify-write the same vital-signs form ``rounds`` times each."""
    (pid,) = kit.enrol_participants(trial, 1)
    process = serve(trial.db.settings.database_url)
    process.start()
    users = ("coordinator", "investigator")
    tokens = [process.token(users[n % 2], trial.password) for n in range(THREADS)]
    url = process.url + kit.FORMS.format(pid=pid, visit="W0", form="vital_signs")
    first = httpx.put(
        url,
        json={"data": kit.vital_signs(0), "version": 0},
        headers={"Authorization": f"Bearer {tokens[0]}"},
    )
    assert first.status_code == 200, first.text
    slot = (pid, "W0")
    attempts = [kit.Attempt(slot, 0, first.json()["data"], "acknowledged", 1, 200)]
    start = threading.Barrier(THREADS)

    def client(index: int) -> list[Any]:
        done = []
        with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {tokens[index]}"}) as api:
            start.wait()
            for round_ in range(rounds):
                shown = api.get(url)
                assert shown.status_code == 200, shown.text
                base = shown.json()["version"]
                data = kit.vital_signs(1 + index * 10_000 + round_)
                body = {"data": data, "version": base, "reason": "concurrent edit"}
                response = api.put(url, json=body)
                if response.status_code == 200:
                    version = response.json()["version"]
                    done.append(kit.Attempt(slot, base, data, "acknowledged", version, 200))
                elif response.status_code == 409:
                    assert response.json()["error"]["code"] == "conflict", response.text
                    done.append(kit.Attempt(slot, base, data, "conflict", status=409))
                else:
                    raise AssertionError(f"{response.status_code}: {response.text[:300]}")
        return done

    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(client, n) for n in range(THREADS)]
        for future in futures:
            attempts.extend(future.result(timeout=DEADLINE_S))
    final = httpx.get(url, headers={"Authorization": f"Bearer {tokens[0]}"}).json()
    process.kill()
    return slot, attempts, final


def check_no_lost_update(kit: Any, trial: Any, slot: Any, attempts: list[Any], final: Any) -> Any:
    acknowledged = sorted(
        (a for a in attempts if a.outcome == "acknowledged"), key=lambda a: a.version
    )
    # Every version from 1 to the last was acknowledged exactly once: none lost, none twice.
    assert [a.version for a in acknowledged] == list(range(1, final["version"] + 1))
    assert final["data"] == acknowledged[-1].data
    assert all(a.status in (200, 409) for a in attempts)
    histories = kit.form_histories(trial.db.factory)
    check = kit.check_saves(attempts, histories)
    assert check.problems == []
    with trial.db.factory() as session:
        verified = verify_audit(session)
    assert verified.ok, verified.problems
    return check


def test_sixteen_clients_editing_one_form_lose_no_update(
    kit: Any, trial: Any, serve: Callable[[str], Any]
) -> None:
    slot, attempts, final = edit_one_form(kit, trial, serve, rounds=4)
    check_no_lost_update(kit, trial, slot, attempts, final)
    assert sum(a.outcome == "conflict" for a in attempts) > 0  # the race really happened


def test_sixteen_clients_editing_one_form_at_length(
    long_only: None,
    kit: Any,
    trial: Any,
    serve: Callable[[str], Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    began = time.monotonic()
    slot, attempts, final = edit_one_form(kit, trial, serve, rounds=60)
    check_no_lost_update(kit, trial, slot, attempts, final)
    conflicts = sum(a.outcome == "conflict" for a in attempts)
    kit.report(
        capsys,
        f"concurrency ({trial.db.backend}): {THREADS} clients x 60 edits of one form: "
        f"{final['version']} versions acknowledged once each, {conflicts} conflicts answered "
        f"409, 0 lost updates, audit chain intact, no deadlock "
        f"({time.monotonic() - began:.0f} s)",
    )


def mixed_load(
    kit: Any, trial: Any, serve: Callable[[str], Any], *, per_thread: int, enrolments: int
) -> dict[str, int]:
    """Registrations, enrolments and form saves at once, from THREADS clients; each
    enrolling client enrols ``enrolments`` screened candidates."""
    kinds = ["register", "enrol", "save", "register"] * (THREADS // 4)
    with trial.session() as session:
        candidates = [
            trial.screen(session).screening_number for _ in range(kinds.count("enrol") * enrolments)
        ]
    (enrolled,) = kit.enrol_participants(trial, 1)
    process = serve(trial.db.settings.database_url)
    process.start()
    coordinator = process.token("coordinator", trial.password)
    investigator = process.token("investigator", trial.password)
    start = threading.Barrier(THREADS)
    registered: list[str] = []
    codes: list[str] = []
    saves = [0]
    lock = threading.Lock()

    def register(index: int) -> None:
        with httpx.Client(base_url=process.url, timeout=60) as api:
            api.headers["Authorization"] = f"Bearer {coordinator}"
            start.wait()
            for _ in range(per_thread):
                response = api.post(
                    "/api/v1/participants", json={"site": "GZ01", "screening_date": "2026-03-01"}
                )
                assert response.status_code == 201, response.text
                with lock:
                    registered.append(response.json()["screening_number"])

    def enrol(index: int) -> None:
        with httpx.Client(base_url=process.url, timeout=60) as api:
            api.headers["Authorization"] = f"Bearer {investigator}"
            start.wait()
            for candidate in candidates[index * enrolments : (index + 1) * enrolments]:
                response = api.post(
                    f"/api/v1/participants/{candidate}/transitions",
                    json={"to": "enrolled", "first_infusion": "2026-03-02", "on": "2026-03-01"},
                )
                assert response.status_code == 200, response.text
                with lock:
                    codes.append(response.json()["participant_code"])

    def save(index: int) -> None:
        visit = kit.SLOT_VISITS[index % len(kit.SLOT_VISITS)]
        url = kit.FORMS.format(pid=enrolled, visit=visit, form="vital_signs")
        with httpx.Client(base_url=process.url, timeout=60) as api:
            api.headers["Authorization"] = f"Bearer {coordinator}"
            start.wait()
            for round_ in range(per_thread):
                base = api.get(url).json()["version"]
                body = {"data": kit.vital_signs(index * 1000 + round_), "version": base,
                        "reason": "concurrent edit"}  # fmt: skip
                response = api.put(url, json=body)
                assert response.status_code in (200, 409), response.text
                with lock:
                    saves[0] += response.status_code == 200

    work = {"register": register, "enrol": enrol, "save": save}
    with ThreadPoolExecutor(THREADS) as pool:
        futures = [pool.submit(work[kind], kinds[:n].count(kind)) for n, kind in enumerate(kinds)]
        for future in futures:
            future.result(timeout=DEADLINE_S)
    process.kill()

    expected = len(candidates) + 1 + per_thread * kinds.count("register")
    assert len(registered) == per_thread * kinds.count("register")
    with trial.db.factory() as session:
        numbers = list(session.scalars(select(Participant.screening_number)))
        ids = [c for c in session.scalars(select(Participant.participant_code)) if c]
        verified = verify_audit(session)
    # Unique, and handed out without gaps: S001..Snnn and 001..nnn.
    assert sorted(numbers) == [f"GZ01-S{n:03d}" for n in range(1, expected + 1)]
    assert sorted(ids) == [f"GZ01-{n:03d}" for n in range(1, len(candidates) + 2)]
    assert len(set(codes)) == len(codes) == len(candidates)
    assert verified.ok, verified.problems
    return {"registered": len(registered), "enrolled": len(codes), "saves": saves[0],
            "events": verified.events}  # fmt: skip


def test_concurrent_registration_enrolment_and_saves_give_unique_ids(
    kit: Any, trial: Any, serve: Callable[[str], Any]
) -> None:
    counts = mixed_load(kit, trial, serve, per_thread=3, enrolments=1)
    assert counts["saves"] > 0


def test_concurrent_registration_enrolment_and_saves_at_length(
    long_only: None,
    kit: Any,
    trial: Any,
    serve: Callable[[str], Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    began = time.monotonic()
    counts = mixed_load(kit, trial, serve, per_thread=40, enrolments=10)
    kit.report(
        capsys,
        f"concurrency ({trial.db.backend}): {THREADS} clients at once: {counts['registered']} "
        f"registrations, {counts['enrolled']} enrolments, {counts['saves']} saves: 0 duplicate "
        f"screening numbers or participant IDs, audit chain intact ({counts['events']} events), "
        f"no deadlock ({time.monotonic() - began:.0f} s)",
    )
