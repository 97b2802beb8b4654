"""Shared helpers of the reliability tests (issue 8): servers that can be killed, a save
driver that remembers what was acknowledged, and the audit replay that checks it.

Faults (crash, concurrency, storage faults, backup under load):

- ``serve``: start ``psotrial serve`` as a separate process on the ``trial`` database and
  SIGKILL / restart it at will. In the short variants (``make test``) the process is forked
  from a *zygote* that has already imported psotrial, so a restart takes ~0.3 s instead of
  the ~4 s an interpreter needs to import the CLI; the child then runs the real
  ``psotrial serve`` code (``psotrial.cli.main.main(["serve", ...])``). The long variants
  (``PSOTRIAL_RELIABILITY=1``) start a fresh interpreter each time, exactly as the console
  script does.
- ``SaveDriver``: worker threads saving vital signs over the JSON API, each save with a
  payload unique to its slot, recording every acknowledged (200) save, every save whose
  outcome is unknown (the connection broke) and every refused one.
- ``form_histories`` / ``check_saves``: rebuild every version of every form entry from the
  audit trail and check the driver's record against it.

Long variants run only with ``PSOTRIAL_RELIABILITY=1`` (``make reliability``) and print
one summary line per property.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from psotrial.audit import STATUS_ITEM
from psotrial.db.engine import make_engine, make_sessionmaker
from psotrial.db.migrate import upgrade
from psotrial.db.models import AuditEvent, FormEntry, Participant
from psotrial.jsoncodec import loads_exact
from psotrial.settings import Settings

RELIABILITY = os.environ.get("PSOTRIAL_RELIABILITY") == "1"
POSTGRES_URL = (
    os.environ.get("PSOTRIAL_TEST_POSTGRES_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FORMS = "/api/v1/participants/{pid}/visits/{visit}/forms/{form}"
SLOT_VISITS = ("W0", "W2", "W4", "W6", "W8")


def report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    """Print one summary line past pytest's capture (``make reliability`` shows them)."""
    with capsys.disabled():
        print(f"\n{line}")


def free_port() -> int:
    """A TCP port free on loopback now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- ``psotrial serve`` as a process that can be killed --------------------------------

# Runs in its own interpreter: imports psotrial once, then forks a server on request. It
# stays single-threaded (fork-safe); each child runs the real ``psotrial serve``.
_ZYGOTE = r"""
import json, os, sys
import uvicorn
import psotrial.web
from psotrial.cli.main import main
for line in sys.stdin:
    request = json.loads(line)
    if request["op"] == "serve":
        pid = os.fork()
        if pid == 0:
            os.setsid()
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.dup2(log, 1); os.dup2(log, 2)
            null = os.open(os.devnull, os.O_RDONLY); os.dup2(null, 0)
            os.environ.update(request["env"])
            code = 1
            try:
                code = main(["serve", "--port", str(request["port"])])
            finally:
                os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
    elif request["op"] == "wait":
        _, status = os.waitpid(request["pid"], 0)
        print(json.dumps({"status": status}), flush=True)
"""


class Zygote:
    """A pre-imported interpreter that forks ``psotrial serve`` processes."""

    def __init__(self, log: Path) -> None:
        self._stderr: IO[bytes] = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-c", _ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._lock = threading.Lock()

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        with self._lock:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            answer = self.process.stdout.readline()
        assert answer, "the zygote died: see its log"
        reply: dict[str, Any] = json.loads(answer)
        return reply

    def close(self) -> None:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        self.process.kill()  # nothing to flush: its children were killed and reaped
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self._stderr.close()


@pytest.fixture(scope="session")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote | None]:
    if RELIABILITY:
        yield None  # the long variants start a fresh interpreter every time
        return
    keeper = Zygote(tmp_path_factory.mktemp("zygote") / "zygote.log")
    try:
        yield keeper
    finally:
        keeper.close()


class ServeProcess:
    """``psotrial serve`` on ``database_url``, in a separate process, on a fixed port."""

    def __init__(self, database_url: str, log: Path, zygote: Zygote | None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {"PSOTRIAL_DATABASE_URL": database_url}
        self._zygote = zygote
        self._process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None
        self.starts = 0

    def start(self, timeout: float = 60) -> float:
        """Start the server and wait until ``/healthz`` answers; the seconds it took."""
        assert self.pid is None, "already running"
        began = time.monotonic()
        if self._zygote is not None:
            self.pid = int(
                self._zygote.ask(
                    {"op": "serve", "port": self.port, "log": str(self.log), "env": self.env}
                )["pid"]
            )
        else:
            with self.log.open("ab") as log:
                self._process = subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        "from psotrial.cli.main import run; run()",
                        "serve",
                        "--port",
                        str(self.port),
                    ],
                    env={**os.environ, **self.env},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            self.pid = self._process.pid
        self.starts += 1
        with httpx.Client(timeout=2) as client:
            while True:
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return time.monotonic() - began
                except httpx.TransportError:
                    pass
                if not self._alive() or time.monotonic() - began > timeout:
                    self.kill()
                    tail = self.log.read_text(errors="replace")[-2000:]
                    raise AssertionError(f"psotrial serve did not start:\n{tail}")
                time.sleep(0.02)

    def _alive(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            return False
        return state != "Z"

    def kill(self) -> None:
        """SIGKILL the server (no shutdown code runs) and reap it."""
        if self.pid is None:
            return
        os.kill(self.pid, signal.SIGKILL)
        if self._process is not None:
            self._process.wait(timeout=30)
            self._process = None
        else:
            assert self._zygote is not None
            status = self._zygote.ask({"op": "wait", "pid": self.pid})["status"]
            assert os.WIFSIGNALED(status), status
        self.pid = None

    def token(self, username: str, password: str) -> str:
        """A bearer token for ``username``."""
        response = httpx.post(
            f"{self.url}/api/v1/auth/token",
            json={"username": username, "password": password},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token


@pytest.fixture
def serve(tmp_path: Path, zygote: Zygote | None) -> Iterator[Callable[[str], ServeProcess]]:
    """``serve(database_url)``: a :class:`ServeProcess` (not started), killed at the end."""
    started: list[ServeProcess] = []

    def make(database_url: str) -> ServeProcess:
        process = ServeProcess(database_url, tmp_path / f"serve-{len(started)}.log", zygote)
        started.append(process)
        return process

    yield make
    for process in started:
        process.kill()


# --- An in-process server over an engine the test configures ---------------------------


@contextmanager
def served_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on loopback; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# --- Building the trial ---------------------------------------------------------------


def enrol_participants(trial: Any, count: int) -> list[str]:
    """``count`` enrolled participants at GZ01 (capture services); their participant codes."""
    codes = []
    for _ in range(count):
        with trial.session() as session:
            codes.append(trial.enrolled(session).participant_code)
    return codes


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[tuple[str, sessionmaker[Session]]]:
    """An empty, migrated database of ``backend`` (a new file / a new PostgreSQL schema)."""
    if backend == "sqlite":
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        )
        engine = make_engine(settings)
        upgrade(engine)
        try:
            yield settings.database_url, make_sessionmaker(engine)
        finally:
            engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    settings = Settings(database_url=f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}")
    engine = make_engine(settings)
    try:
        upgrade(engine)
        yield settings.database_url, make_sessionmaker(engine)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# --- Driving saves and remembering what was acknowledged --------------------------------

Slot = tuple[str, str]  # (participant code, visit); the form is always vital signs


def vital_signs(serial: int) -> dict[str, Any]:
    """A valid vital-signs document unique to ``serial`` (up to 440,000 per slot).

    Every save changes the data, so every version has audit events of its own.
    """
    return {
        "weight_kg": float(Decimal(300 + serial % 2200) / 10),
        "systolic_bp": 60 + (serial // 2200) % 200,
        "diastolic_bp": 70,
        "heart_rate": 72,
        "temperature_c": 36.6,
    }


@dataclass
class Attempt:
    """One PUT: its slot, the version it was based on, the data sent, and what came back."""

    slot: Slot
    base: int
    data: dict[str, Any]
    outcome: str  # acknowledged | unknown | refused | conflict
    version: int | None = None  # the acknowledged version
    status: int | None = None
    finished: float = 0.0  # time.monotonic() when the answer (or the failure) came


@dataclass
class SaveDriver:
    """Threads saving vital signs through the API; each thread owns its slots.

    ``acknowledged`` saves got 200 (the version they were given is recorded); ``unknown``
    ones lost their connection (the server was killed: committed or not, never half);
    ``refused`` ones got 503 (nothing may have been written).
    """

    url: Callable[[], str]
    token: str
    slots: list[Slot]
    workers: int
    pause: float = 0.0
    first_serial: int = 0  # a second driver on the same slots starts past the first's
    versions: dict[Slot, int] = field(default_factory=dict)  # known at the start
    attempts: list[Attempt] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> None:
        for index in range(self.workers):
            owned = self.slots[index :: self.workers]
            thread = threading.Thread(target=self._work, args=(index, owned), daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 60) -> None:
        """Stop and join the threads; a thread still running is a deadlock."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        stuck = [t.name for t in self._threads if t.is_alive()]
        assert not stuck, f"save threads did not finish in {timeout} s (deadlock?): {stuck}"

    def last_versions(self) -> dict[Slot, int]:
        """The last acknowledged version of each slot."""
        with self._lock:
            return {a.slot: a.version for a in self.attempts if a.version is not None}

    def count(self, outcome: str) -> int:
        with self._lock:
            return sum(1 for a in self.attempts if a.outcome == outcome)

    def _record(self, attempt: Attempt) -> None:
        attempt.finished = time.monotonic()
        with self._lock:
            self.attempts.append(attempt)

    def _work(self, index: int, owned: list[Slot]) -> None:
        rng = random.Random(index)
        serials = dict.fromkeys(owned, self.first_serial)
        # None: read the stored version first.
        versions: dict[Slot, int | None] = {slot: self.versions.get(slot) for slot in owned}
        headers = {"Authorization": f"Bearer {self.token}"}
        client = httpx.Client(timeout=30, headers=headers)
        try:
            while not self._stop.is_set():
                slot = rng.choice(owned)
                pid, visit = slot
                url = self.url() + FORMS.format(pid=pid, visit=visit, form="vital_signs")
                base = versions[slot]
                if base is None:  # after an unknown outcome: read what is stored
                    try:
                        shown = client.get(url)
                    except httpx.TransportError:
                        time.sleep(0.02)
                        continue
                    if shown.status_code != 200:
                        time.sleep(0.02)
                        continue
                    base = versions[slot] = int(shown.json()["version"])
                serials[slot] += 1
                data = vital_signs(serials[slot])
                body = {"data": data, "version": base, "reason": "reliability test edit"}
                try:
                    response = client.put(url, json=body)
                except httpx.TransportError:
                    self._record(Attempt(slot, base, data, "unknown"))
                    versions[slot] = None
                    time.sleep(0.02)
                    continue
                if response.status_code == 200:
                    saved = response.json()
                    version = int(saved["version"])
                    self._record(Attempt(slot, base, data, "acknowledged", version, 200))
                    versions[slot] = int(saved["version"])
                    if saved["version"] != base + 1 or saved["data"] != data:
                        self.failures.append(f"{slot}: 200 with {saved} for {body}")
                elif response.status_code == 503:
                    self._record(Attempt(slot, base, data, "refused", status=503))
                    self._check_unavailable(response)
                    # "Nothing was saved": the version stays; were it not so, the next save
                    # gets a 409 and check_saves finds the refused data stored.
                    time.sleep(0.02)
                elif response.status_code == 409:
                    # Only an earlier save of unknown outcome that did commit explains this.
                    self._record(Attempt(slot, base, data, "conflict", status=409))
                    versions[slot] = None
                else:
                    self.failures.append(f"{slot}: {response.status_code} {response.text[:300]}")
                    versions[slot] = None
                if self.pause:
                    time.sleep(self.pause)
        except Exception as exc:  # a thread must report, never die silently
            self.failures.append(f"worker {index}: {type(exc).__name__}: {exc}")
        finally:
            client.close()

    def _check_unavailable(self, response: httpx.Response) -> None:
        error = response.json().get("error", {})
        if error.get("code") != "unavailable" or "nothing was saved" not in error.get(
            "message", ""
        ):
            self.failures.append(f"503 without the unavailable message: {response.text[:300]}")


# --- Rebuilding every version of every form from the audit trail ------------------------


def form_histories(
    factory: sessionmaker[Session], visits: tuple[str, ...] = SLOT_VISITS
) -> dict[Slot, list[dict[str, Any]]]:
    """For each vital-signs entry: its data at version 1, 2, ... replayed from the audit.

    A save writes its form_entry events together, with one timestamp; a save that changes
    data writes at least one. So the groups of an entry's events, in order, are its
    versions; the entry's ``version`` must equal their number (checked here).
    """
    with factory() as session:
        entries = {
            str(entry_id): (code or number, visit, version)
            for entry_id, code, number, visit, version in session.execute(
                select(
                    FormEntry.id,
                    Participant.participant_code,
                    Participant.screening_number,
                    FormEntry.visit_code,
                    FormEntry.version,
                )
                .join(Participant, Participant.id == FormEntry.participant_id)
                .where(FormEntry.form_code == "vital_signs", FormEntry.visit_code.in_(visits))
            )
        }
        groups: dict[str, list[list[AuditEvent]]] = defaultdict(list)
        last_at: dict[str, Any] = {}
        query = (
            select(AuditEvent)
            .where(AuditEvent.entity == "form_entry")
            .order_by(AuditEvent.id)
            .execution_options(yield_per=5000)
        )
        for event in session.scalars(query):
            key = event.entity_id or ""
            if key not in entries:
                continue
            if last_at.get(key) != event.at:
                groups[key].append([])
                last_at[key] = event.at
            groups[key][-1].append(event)
    histories: dict[Slot, list[dict[str, Any]]] = {}
    for key, (pid, visit, version) in entries.items():
        state: dict[str, Any] = {}
        versions = []
        for group in groups[key]:
            for event in group:
                if event.item == STATUS_ITEM or event.item is None:
                    continue
                if event.new_value is None:
                    state.pop(event.item, None)
                else:
                    state[event.item] = loads_exact(event.new_value)
            versions.append(_api_shape(state))
        assert len(versions) == version, (
            f"{pid} {visit}: version {version} but {len(versions)} audited saves"
        )
        histories[(pid, visit)] = versions
    return histories


def _api_shape(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored vital signs as the API shows them (JSON numbers)."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in stored.items()}


def _key(data: dict[str, Any]) -> tuple[tuple[str, float], ...]:
    """Vital signs compared by value (the API may show 30.0 as 30)."""
    return tuple(sorted((name, float(value)) for name, value in data.items()))


@dataclass
class SaveCheck:
    """What the check of a driver's record against the audit found."""

    acknowledged: int = 0
    lost: int = 0
    unknown_committed: int = 0
    unknown_absent: int = 0
    refused: int = 0
    problems: list[str] = field(default_factory=list)


def check_saves(attempts: list[Attempt], histories: dict[Slot, list[dict[str, Any]]]) -> SaveCheck:
    """Every acknowledged save is stored at its version with its data; no data that was
    not sent; an unknown outcome is whole or absent; a refused save is absent."""
    result = SaveCheck()
    sent: dict[Slot, set[tuple[tuple[str, float], ...]]] = defaultdict(set)
    for attempt in attempts:
        sent[attempt.slot].add(_key(attempt.data))
    for attempt in attempts:
        history = histories.get(attempt.slot, [])
        stored = {_key(state) for state in history}
        payload = _key(attempt.data)
        if attempt.outcome == "acknowledged":
            result.acknowledged += 1
            assert attempt.version is not None
            at = history[attempt.version - 1] if len(history) >= attempt.version else None
            if at != attempt.data:
                result.lost += 1
                result.problems.append(
                    f"{attempt.slot}: acknowledged version {attempt.version} {attempt.data} "
                    f"is stored as {at}"
                )
        elif attempt.outcome == "unknown":
            if len(history) > attempt.base and history[attempt.base] == attempt.data:
                result.unknown_committed += 1
            elif payload in stored:
                result.problems.append(f"{attempt.slot}: unacknowledged data at a wrong version")
            else:
                result.unknown_absent += 1
        elif attempt.outcome in ("refused", "conflict"):
            result.refused += attempt.outcome == "refused"
            if payload in stored:
                result.problems.append(
                    f"{attempt.slot}: a save answered {attempt.status} was stored: {attempt.data}"
                )
    for slot, history in histories.items():
        for version, state in enumerate(history, start=1):
            if _key(state) not in sent[slot]:
                result.problems.append(f"{slot} version {version}: data nobody sent: {state}")
    return result


def audit_verify_cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """Run ``psotrial audit verify`` (the real CLI, in-process) on ``database_url``."""
    from psotrial.cli.main import main

    capsys.readouterr()
    with monkeypatch.context() as patch:
        patch.setenv("PSOTRIAL_DATABASE_URL", database_url)
        status = main(["audit", "verify"])
    out, err = capsys.readouterr()
    return status, (out + err).strip()


# --- Reaching the helpers: pytest imports conftest files in importlib mode, so test
# modules cannot import this one; they take the ``kit`` fixture instead.


@pytest.fixture(scope="session")
def kit() -> SimpleNamespace:
    """This module's helpers, as attributes (``kit.SaveDriver``, ``kit.check_saves``, ...)."""
    return SimpleNamespace(
        FORMS=FORMS,
        POSTGRES_URL=POSTGRES_URL,
        RELIABILITY=RELIABILITY,
        SLOT_VISITS=SLOT_VISITS,
        Attempt=Attempt,
        SaveCheck=SaveCheck,
        SaveDriver=SaveDriver,
        audit_verify_cli=audit_verify_cli,
        check_saves=check_saves,
        enrol_participants=enrol_participants,
        form_histories=form_histories,
        fresh_database=fresh_database,
        report=report,
        served_in_thread=served_in_thread,
        vital_signs=vital_signs,
    )


@pytest.fixture
def long_only() -> None:
    """Skip unless the long variants were asked for."""
    if not RELIABILITY:
        pytest.skip("long variant: set PSOTRIAL_RELIABILITY=1 (make reliability)")


# --- Access (issue 8, "Access control and accounts"): a small study and its exports ------


@dataclass(frozen=True)
class ExportedStudy:
    """A 6-candidate SYNTHETIC demo with identifiers planted in free text, exported every way.

    ``planted`` is the participant whose adverse event's verbatim names its birth date, a
    phone number and its investigator; ``out`` holds records (csv, jsonl, and csv with
    ``--shift-dates``), SDTM (csv, and csv shifted), ADaM (csv), ODM and REDCap exports.
    """

    url: str
    factory: sessionmaker[Session]
    secret_key: str
    passwords: dict[str, str]
    full_names: tuple[str, ...]
    planted: str
    birth_date: str
    investigator: str
    out: Path


PLANTED_PHONE = "138 0013 8000"


@pytest.fixture(scope="session")
def exported_study(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ExportedStudy]:
    from datetime import UTC, date, datetime

    from psotrial.capture.actors import SYSTEM
    from psotrial.capture.demo import build_demo
    from psotrial.capture.entries import save_entry
    from psotrial.cli.main import main
    from psotrial.db.models import User
    from psotrial.protocol import load_protocol

    root = tmp_path_factory.mktemp("exported-study")
    settings = Settings(database_url=f"sqlite:///{root / 'trial.db'}")
    engine = make_engine(settings)
    upgrade(engine)
    factory = make_sessionmaker(engine)
    protocol = load_protocol("nct03745417")
    now = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
    summary = build_demo(
        factory, protocol=protocol, protocol_name="nct03745417", participants=6, now=now
    )
    with factory.begin() as session:
        participant = session.scalars(
            select(Participant)
            .where(Participant.participant_code.is_not(None))
            .order_by(Participant.id)
        ).first()
        assert participant is not None
        forms = {
            e.form_code: loads_exact(e.data)
            for e in session.scalars(
                select(FormEntry).where(FormEntry.participant_id == participant.id)
            )
        }
        birth = str(forms["demographics"]["birth_date"])
        investigator = str(forms["eligibility_confirmation"]["investigator"])
        born = date.fromisoformat(birth)
        verbatim = (
            f"itchy rash; DOB {born:%d/%m/%Y}, call {PLANTED_PHONE}, reported to {investigator}"
        )
        save_entry(
            session,
            protocol=protocol,
            actor=SYSTEM,
            participant=participant,
            visit="W2",
            form="adverse_event",
            data={
                "ctcae_term": "Pruritus",
                "verbatim": verbatim,
                "onset_date": "2026-03-03",
                "grade": 1,
                "serious": False,
                "relatedness": "unlikely",
                "action_taken": "none",
                "outcome": "recovered",
                "resolution_date": "2026-03-04",
            },
            base_version=0,
            repeat=90,
            now=now,
        )
        planted = str(participant.participant_code)
        full_names = tuple(session.scalars(select(User.full_name)))
    secret = f"test-secret-{uuid.uuid4().hex}"
    out = root / "out"
    commands = [
        ["export", "records", "--format", "csv", "--out", str(out / "records-csv")],
        ["export", "records", "--format", "jsonl", "--out", str(out / "records-jsonl")],
        ["export", "records", "--out", str(out / "records-shifted"), "--shift-dates"],
        ["export", "sdtm", "--format", "csv", "--out", str(out / "sdtm")],
        ["export", "sdtm", "--format", "csv", "--out", str(out / "sdtm-shifted"), "--shift-dates"],
        ["export", "adam", "--format", "csv", "--out", str(out / "adam")],
        ["export", "odm", "--out", str(out / "study.odm.xml")],
        ["export", "redcap", "--out", str(out / "redcap")],
    ]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PSOTRIAL_DATABASE_URL", settings.database_url)
        patch.setenv("PSOTRIAL_SECRET_KEY", secret)
        for argv in commands:
            assert main(argv) == 0, argv
    try:
        yield ExportedStudy(
            settings.database_url,
            factory,
            secret,
            {user.username: user.password for user in summary.users},
            full_names,
            planted,
            birth,
            investigator,
            out,
        )
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def access_kit() -> SimpleNamespace:
    """Constants of the access tests' shared fixtures."""
    return SimpleNamespace(PLANTED_PHONE=PLANTED_PHONE)


@pytest.fixture
def sqlite_unless_long(request: pytest.FixtureRequest) -> None:
    """Skip the PostgreSQL half of a ``database``-parametrized test before its database is
    built, unless the long variants were asked for. List it before ``trial``/``database``."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("database") == "postgres" and not RELIABILITY:
        pytest.skip("the PostgreSQL half is a long variant: PSOTRIAL_RELIABILITY=1")
