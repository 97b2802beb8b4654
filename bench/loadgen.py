"""The capture load generator: concurrent clients saving realistic forms over the JSON API.

Run as its own process (``python -m bench.loadgen ...``), so that the server it measures
does not share its interpreter. Each client is a thread with its own ``httpx.Client`` and
its own bearer token, and works on its own participants, so conflicts are rare: a 409 is
counted apart from errors and the client reloads the version and goes on.

A client cycles through PASI, DLQI and laboratory panels at the visits that collect them
(an edit with a reason when the form is already complete, as a coordinator correcting a
transcription; a first save where it is missing) and logs a new adverse event every
fourth save. Setup (login, reading the versions) happens before the clock starts; all
clients start together and stop at the deadline. The result is one JSON document:
saves, conflicts, errors, elapsed seconds and the latency of every successful save.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

__all__ = ["ClientResult", "main", "run_load"]

_REGIONS = ("head", "upper_limbs", "trunk", "lower_limbs")
_AREAS = (0, 5, 15, 25, 45, 60)
_LABS = {
    "PLT": (189, "10^9/L", 125, 350),
    "WBC": (4.5, "10^9/L", 3.5, 9.5),
    "HGB": (129, "g/L", 115, 150),
    "AST": (24, "U/L", 13, 35),
    "ALT": (18, "U/L", 7, 40),
    "CREAT": (54, "umol/L", 41, 81),
    "CA": (2.31, "mmol/L", 2.11, 2.52),
    "ALB": (48, "g/L", 40, 55),
}
_AE_TERMS = (
    ("Pruritus", "itching after infusion"),
    ("Fatigue", "tired for two days"),
    ("Headache", "mild headache"),
    ("Chills", "chills during infusion"),
)
_REASON = "transcription corrected against the source document"
# uvicorn closes a connection idle for 5 s and httpx keeps one for 5 s: a client that waited
# at the start barrier could send its first save on a connection the server was closing
# ("Server disconnected without sending a response", seen once in 6 runs). The client lets
# go first.
_KEEPALIVE_S = 2.0


@dataclass
class ClientResult:
    """What one client did in the timed window."""

    saves: int = 0
    conflicts: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)


def _pasi(rng: random.Random) -> dict[str, Any]:
    return {
        region: {
            "erythema": rng.randint(0, 4),
            "induration": rng.randint(0, 4),
            "desquamation": rng.randint(0, 4),
            "area_pct": rng.choice(_AREAS),
        }
        for region in _REGIONS
    }


def _dlqi(rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {f"q{n}": rng.randint(0, 3) for n in (1, 2, 3, 4, 5, 6, 8, 9, 10)}
    answers["q7a"] = "no"
    answers["q7b"] = rng.randint(0, 2)
    return answers


def _labs(rng: random.Random) -> dict[str, Any]:
    panel = {}
    for test, (value, unit, lln, uln) in _LABS.items():
        jitter = rng.randint(-5, 5)
        measured = round(value * (1 + jitter / 100), 2 if isinstance(value, float) else 0)
        panel[test] = {"value": measured, "unit": unit, "lln": lln, "uln": uln}
    return panel


def _adverse_event(rng: random.Random, onset: date) -> dict[str, Any]:
    term, verbatim = rng.choice(_AE_TERMS)
    return {
        "ctcae_term": term,
        "verbatim": verbatim,
        "onset_date": onset.isoformat(),
        "resolution_date": (onset + timedelta(days=2)).isoformat(),
        "grade": 1,
        "serious": False,
        "seriousness": None,
        "relatedness": "possible",
        "action_taken": "none",
        "outcome": "recovered",
    }


_MAKERS = {"pasi": _pasi, "dlqi": _dlqi, "labs": _labs}


@dataclass
class _Target:
    """One form a client saves: where it is and the version it last saw."""

    participant: str
    visit: str
    form: str
    version: int
    repeat: int = 0


@dataclass
class _Participant:
    code: str
    targets: list[_Target]
    next_ae: int
    ae_visit: str
    ae_onset: date


def _discover(client: httpx.Client, code: str) -> _Participant:
    """The participant's forms to edit and the next free adverse-event number."""
    detail = client.get(f"/api/v1/participants/{code}")
    detail.raise_for_status()
    body = detail.json()
    targets = []
    highest_ae = 0
    ae_visit = "W0"
    for visit in body["visits"]:
        if visit["code"] == "SCR":
            continue
        for form in visit["forms"]:
            if form["code"] in _MAKERS:
                targets.append(_Target(code, visit["code"], form["code"], form["version"]))
            if form["code"] == "adverse_event":
                for entry in form["repeats"]:
                    highest_ae = max(highest_ae, entry["repeat"])
                if visit["actual_date"] is not None:
                    ae_visit = visit["code"]
    first = body.get("first_infusion") or body["screening_date"]
    return _Participant(
        code, targets, highest_ae + 1, ae_visit, date.fromisoformat(first) + timedelta(days=3)
    )


def _client(
    base_url: str,
    username: str,
    password: str,
    codes: list[str],
    seed: int,
    ready: threading.Barrier,
    window: dict[str, float],
    result: ClientResult,
) -> None:
    try:
        _work(base_url, username, password, codes, seed, ready, window, result)
    except Exception as exc:  # tell the others (and the caller) instead of hanging them
        result.samples.append(f"client failed: {type(exc).__name__}: {exc}")
        ready.abort()


def _work(
    base_url: str,
    username: str,
    password: str,
    codes: list[str],
    seed: int,
    ready: threading.Barrier,
    window: dict[str, float],
    result: ClientResult,
) -> None:
    rng = random.Random(seed)
    limits = httpx.Limits(keepalive_expiry=_KEEPALIVE_S)
    with httpx.Client(base_url=base_url, timeout=60, limits=limits) as client:
        token = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        token.raise_for_status()
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        participants = [_discover(client, code) for code in codes]
        ready.wait()
        ready.wait()
        deadline = window["deadline"]
        turn = 0
        while time.perf_counter() < deadline:
            participant = participants[turn % len(participants)]
            turn += 1
            if turn % 4 == 0 or not participant.targets:
                target = _Target(
                    participant.code,
                    participant.ae_visit,
                    "adverse_event",
                    0,
                    participant.next_ae,
                )
                participant.next_ae += 1
                data = _adverse_event(rng, participant.ae_onset)
            else:
                target = participant.targets[(turn // len(participants)) % len(participant.targets)]
                data = _MAKERS[target.form](rng)
            _save(client, target, data, result)


def _save(
    client: httpx.Client, target: _Target, data: dict[str, Any], result: ClientResult
) -> None:
    path = f"/api/v1/participants/{target.participant}/visits/{target.visit}/forms/{target.form}"
    params = {"repeat": target.repeat} if target.repeat else None
    body = {
        "data": data,
        "version": target.version,
        "reason": _REASON if target.version else None,
    }
    start = time.perf_counter()
    try:
        response = client.put(path, json=body, params=params)
    except httpx.HTTPError as exc:
        result.errors += 1
        if len(result.samples) < 5:
            result.samples.append(f"{path}: {type(exc).__name__}: {exc}")
        return
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code == 200:
        result.saves += 1
        result.latencies_ms.append(elapsed)
        target.version = response.json()["version"]
    elif response.status_code == 409:
        result.conflicts += 1
        current = client.get(path, params=params)
        if current.status_code == 200:
            target.version = current.json()["version"]
    else:
        result.errors += 1
        if len(result.samples) < 5:
            result.samples.append(f"{path}: {response.status_code} {response.text[:300]}")


def run_load(
    base_url: str,
    *,
    username: str,
    password: str,
    participants: list[str],
    clients: int,
    duration: float,
    seed: int = 0,
) -> dict[str, Any]:
    """Run ``clients`` concurrent clients for ``duration`` seconds; the summary document.

    The participants are dealt out to the clients round robin (each keeps its own).
    """
    if len(participants) < clients:
        raise ValueError(f"{clients} clients need at least {clients} participants")
    shares = [participants[i::clients] for i in range(clients)]
    ready = threading.Barrier(clients + 1)
    window: dict[str, float] = {}
    results = [ClientResult() for _ in range(clients)]
    threads = [
        threading.Thread(
            target=_client,
            args=(base_url, username, password, shares[i], seed + i, ready, window, results[i]),
            daemon=True,
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    # The barrier is passed twice: once when every client is set up, then (the deadline
    # set in between) to start them all at once.
    try:
        ready.wait(timeout=600)
        cpu = time.process_time()
        start = time.perf_counter()
        window["deadline"] = start + duration
        ready.wait(timeout=60)
    except threading.BrokenBarrierError:
        problems = [s for r in results for s in r.samples]
        raise RuntimeError(f"load generator setup failed: {problems[:3]}") from None
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    # The generator's own CPU: on a 2-core machine it shares the cores with the server.
    client_cpu = time.process_time() - cpu
    latencies = sorted(x for r in results for x in r.latencies_ms)
    return {
        "clients": clients,
        "duration_s": elapsed,
        "saves": sum(r.saves for r in results),
        "conflicts": sum(r.conflicts for r in results),
        "errors": sum(r.errors for r in results),
        "client_cpu_s": client_cpu,
        "latencies_ms": latencies,
        "samples": [s for r in results for s in r.samples][:10],
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: run the load and write the summary JSON to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--username", required=True)
    parser.add_argument("--password-file", required=True, type=Path)
    parser.add_argument("--participants-file", required=True, type=Path)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    summary = run_load(
        args.url,
        username=args.username,
        password=args.password_file.read_text(encoding="utf-8").strip(),
        participants=json.loads(args.participants_file.read_text(encoding="utf-8")),
        clients=args.clients,
        duration=args.duration,
        seed=args.seed,
    )
    args.out.write_text(json.dumps(summary), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
