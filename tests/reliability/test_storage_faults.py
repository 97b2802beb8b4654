"""Disk full, read-only database, database gone: the user gets a clear error (503, "the
database is unavailable; nothing was saved"), nothing is acknowledged that was not stored,
and saving works again by itself once the condition clears.

How each fault is produced (the server runs in-process over an engine this test adds its
fault hooks to; saves come over HTTP from worker threads, as in test_crash.py):

- disk full, SQLite: ``PRAGMA max_page_count`` set to the file's current size on every
  connection the server checks out: a write that needs a new page fails with SQLITE_FULL
  ("database or disk is full"), the error a full disk gives. Where this sandbox lets the
  test mount a 4 MB tmpfs (root), also a real full disk: the database on the tmpfs, a
  filler file taking the last byte, then removed.
- read-only, SQLite: ``PRAGMA query_only`` on every checkout: SQLITE_READONLY ("attempt to
  write a readonly database"), what a read-only file or mount gives (the tests run as root,
  which file permissions do not stop).
- read-only, PostgreSQL: ``SET default_transaction_read_only = on`` on every checkout, what
  a server in recovery (a standby after fail-over) or an administrator's read-only switch
  gives: SQLSTATE 25006.
- gone, SQLite: the database file (and its -wal, -shm) deleted while the server runs, then
  put back from a copy: the operator's mistake and its repair.
- gone, PostgreSQL: the server reaches PostgreSQL through a TCP relay in this test; the
  relay is stopped (every connection cut, new ones refused: a crashed or unreachable
  database server) and started again. The shared PostgreSQL service itself is never touched.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from psotrial.audit import verify_audit
from psotrial.db.engine import make_engine, make_sessionmaker
from psotrial.settings import Settings
from psotrial.web import create_app

UNAVAILABLE = "the database is unavailable; nothing was saved"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Switch:
    """The fault the server's connections get at their next checkout (None: healthy)."""

    fault: str | None = None


def faulty_engine(settings: Settings, switch: Switch) -> Engine:
    """The server's engine, with the fault hooks on every checkout."""
    engine = make_engine(settings)

    @event.listens_for(engine, "checkout")
    def apply(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        cursor = dbapi_connection.cursor()
        if engine.dialect.name == "sqlite":
            limit = 4294967294  # SQLite's largest: no limit
            if switch.fault == "full":
                limit = cursor.execute("PRAGMA page_count").fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count={limit}")
            cursor.execute(f"PRAGMA query_only={int(switch.fault == 'read_only')}")
        else:
            flag = "on" if switch.fault == "read_only" else "off"
            cursor.execute(f"SET default_transaction_read_only = {flag}")
            dbapi_connection.commit()
        cursor.close()

    return engine


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def login_page_error(url: str, password: str) -> httpx.Response:
    """Log in through the login form (a page that writes: the session)."""
    with httpx.Client(base_url=url, timeout=30) as browser:
        match = CSRF.search(browser.get("/login").text)
        assert match
        return browser.post(
            "/login",
            data={"username": "monitor", "password": password, "csrf_token": match.group(1)},
        )


@contextmanager
def server_over(
    kit: Any, trial: Any, settings: Settings, switch: Switch
) -> Iterator[tuple[str, str]]:
    """An in-process server over ``settings`` with the fault hooks: (url, coordinator token)."""
    engine = faulty_engine(settings, switch)
    app = create_app(settings, factory=make_sessionmaker(engine))
    try:
        with kit.served_in_thread(app) as url:
            response = httpx.post(
                f"{url}/api/v1/auth/token",
                json={"username": "coordinator", "password": trial.password},
            )
            assert response.status_code == 200, response.text
            yield url, response.json()["access_token"]
    finally:
        engine.dispose()


def drive_through_fault(
    kit: Any,
    url: str,
    token: str,
    slots: list[Any],
    *,
    on: Callable[[], None],
    off: Callable[[], None],
    first_serial: int = 0,
    password: str = "",
    acknowledged_before: int = 5,
    versions: dict[Any, int] | None = None,
) -> tuple[Any, dict[str, int]]:
    """Saves before, during and after a fault; the driver and its counts per phase."""
    driver = kit.SaveDriver(lambda: url, token, slots, 3, pause=0.005,
                            first_serial=first_serial, versions=versions or {})  # fmt: skip
    driver.start()
    try:
        wait_for(
            lambda: driver.count("acknowledged") >= acknowledged_before, "saves before the fault"
        )
        on()
        refused = driver.count("refused")
        wait_for(lambda: driver.count("refused") >= refused + 5, "saves refused with 503")
        during = driver.count("acknowledged")
        page = login_page_error(url, password) if password else None
        off()
        wait_for(lambda: driver.count("acknowledged") >= during + 5, "saves after recovery")
    finally:
        driver.stop()
    assert not driver.failures, driver.failures[:5]
    if page is not None:
        assert page.status_code == 503, page.text[:500]
        assert UNAVAILABLE in page.text
    return driver, {
        "acknowledged": driver.count("acknowledged"),
        "refused": driver.count("refused"),
    }


def check_stored(kit: Any, factory: Any, attempts: list[Any]) -> Any:
    """Every acknowledged save stored at its version; no refused save stored; audit intact."""
    check = kit.check_saves(attempts, kit.form_histories(factory))
    assert check.problems == []
    assert check.refused > 0
    with factory() as session:
        verified = verify_audit(session)
    assert verified.ok, verified.problems
    return check


def slots_of(kit: Any, trial: Any, participants: int = 1) -> list[Any]:
    codes = kit.enrol_participants(trial, participants)
    return [(code, visit) for code in codes for visit in kit.SLOT_VISITS]


# --- SQLite ---------------------------------------------------------------------------

sqlite_only = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
postgres_only = pytest.mark.parametrize("database", ["postgres"], indirect=True)


@sqlite_only
@pytest.mark.parametrize("fault", ["full", "read_only"])
def test_sqlite_full_or_read_only_refuses_clearly_and_recovers(
    kit: Any, trial: Any, fault: str
) -> None:
    slots = slots_of(kit, trial)
    switch = Switch()

    def on() -> None:
        switch.fault = fault

    def off() -> None:
        switch.fault = None

    # Read-only refuses every write, so a login (it writes its session) shows the error
    # page; a page limit lets a small write that fits a free page through.
    password = trial.password if fault == "read_only" else ""
    with server_over(kit, trial, trial.db.settings, switch) as (url, token):
        driver, _ = drive_through_fault(kit, url, token, slots, on=on, off=off,
                                        password=password)  # fmt: skip
    check_stored(kit, trial.db.factory, driver.attempts)


@contextmanager
def small_tmpfs(folder: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of ``size`` at ``folder`` (root only); skip where it cannot be mounted."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a real full disk needs a mountable tmpfs: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        # Lazily if something still holds a file there: never leave a mount behind.
        if subprocess.run(["umount", str(folder)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(folder)], check=True)


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API)."""
    with closing(sqlite3.connect(source)) as reader, closing(sqlite3.connect(target)) as writer:
        reader.backup(writer)


def fill(folder: Path) -> Path:
    """Take every free byte of ``folder``'s filesystem with one file."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    out.write(b"\0" * size)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
    return filler


@sqlite_only
def test_sqlite_real_full_disk_refuses_clearly_and_recovers(
    kit: Any, trial: Any, tmp_path: Path
) -> None:
    slots = slots_of(kit, trial)
    with small_tmpfs(tmp_path / "disk") as disk:
        path = disk / "trial.db"
        copy_sqlite(trial.db.settings.sqlite_path, path)
        settings = Settings(database_url=f"sqlite:///{path}")
        fillers: list[Path] = []
        with server_over(kit, trial, settings, Switch()) as (url, token):
            driver, _ = drive_through_fault(
                kit,
                url,
                token,
                slots,
                on=lambda: fillers.append(fill(disk)),
                off=lambda: fillers.pop().unlink(),
            )
        engine = make_engine(settings)
        try:
            check_stored(kit, make_sessionmaker(engine), driver.attempts)
        finally:
            engine.dispose()


@sqlite_only
@pytest.mark.parametrize("how", ["moved away and back", "deleted, restored from a copy"])
def test_sqlite_database_gone_refuses_clearly_and_recovers(
    kit: Any, trial: Any, tmp_path: Path, how: str
) -> None:
    slots = slots_of(kit, trial)
    path = trial.db.settings.sqlite_path
    trial.db.engine.dispose()  # the test's own connections must not hold the old file
    files = [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm")]
    away = tmp_path / "away"
    away.mkdir()

    def move_away() -> None:
        for file in files:
            if file.exists():
                file.rename(away / file.name)

    def move_back() -> None:
        for file in files:
            if (away / file.name).exists():
                os.replace(away / file.name, file)

    def put_back_copy() -> None:
        for file in files[1:]:  # whatever a connection made there meanwhile
            file.unlink(missing_ok=True)
        shutil.copyfile(away / "copy.db", away / "incoming.db")
        os.replace(away / "incoming.db", path)

    with server_over(kit, trial, trial.db.settings, Switch()) as (url, token):
        if how == "moved away and back":
            driver, _ = drive_through_fault(kit, url, token, slots, on=move_away,
                                            off=move_back, password=trial.password)  # fmt: skip
            attempts = driver.attempts
        else:
            # Saves stop before the copy is taken: what the copy lacks was never acknowledged.
            first = kit.SaveDriver(lambda: url, token, slots, 3)
            first.start()
            wait_for(lambda: first.count("acknowledged") >= 5, "saves before the deletion")
            first.stop()
            copy_sqlite(path, away / "copy.db")
            for file in files:
                file.unlink()
            driver, _ = drive_through_fault(kit, url, token, slots, on=lambda: None,
                                            off=put_back_copy, first_serial=10_000,
                                            acknowledged_before=0,
                                            versions=first.last_versions())  # fmt: skip
            attempts = first.attempts + driver.attempts
    trial.db.engine.dispose()
    check_stored(kit, trial.db.factory, attempts)


# --- PostgreSQL -----------------------------------------------------------------------


@postgres_only
def test_postgres_read_only_refuses_clearly_and_recovers(kit: Any, trial: Any) -> None:
    slots = slots_of(kit, trial)
    switch = Switch()

    def on() -> None:
        switch.fault = "read_only"

    def off() -> None:
        switch.fault = None

    with server_over(kit, trial, trial.db.settings, switch) as (url, token):
        driver, _ = drive_through_fault(kit, url, token, slots, on=on, off=off,
                                        password=trial.password)  # fmt: skip
    check_stored(kit, trial.db.factory, driver.attempts)


class Relay:
    """A TCP relay on loopback to ``target``: stop() cuts every connection and refuses new
    ones (the database server gone); start() serves again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        assert self._listener is not None
        with self._lock:
            self._listener.close()
            self._listener = None
            for sock in self._sockets:
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._sockets.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # stopped
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:
                    # Accepted just before stop(): a connection must not outlive the outage.
                    client.close()
                    upstream.close()
                    continue
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@postgres_only
def test_postgres_server_gone_refuses_clearly_and_recovers(kit: Any, trial: Any) -> None:
    slots = slots_of(kit, trial)
    url = make_url(trial.db.settings.database_url)
    relay = Relay((url.host or "127.0.0.1", url.port or 5432))
    relay.start()
    settings = Settings(
        database_url=url.set(host="127.0.0.1", port=relay.port).render_as_string(
            hide_password=False
        )
    )
    try:
        with server_over(kit, trial, settings, Switch()) as (server, token):
            driver, _ = drive_through_fault(kit, server, token, slots, on=relay.stop,
                                            off=relay.start, password=trial.password)  # fmt: skip
    finally:
        if relay._listener is not None:
            relay.stop()
    check_stored(kit, trial.db.factory, driver.attempts)


# --- Long variant: every fault of the backend, again and again, on one running server ----


def test_storage_faults_cycled_at_length(
    long_only: None, kit: Any, trial: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slots = slots_of(kit, trial, 2)
    switch = Switch()
    settings = trial.db.settings
    relay: Relay | None = None

    def set_fault(name: str | None) -> Callable[[], None]:
        def apply() -> None:
            switch.fault = name

        return apply

    faults: dict[str, tuple[Callable[[], None], Callable[[], None]]] = {
        "read-only": (set_fault("read_only"), set_fault(None))
    }
    if trial.db.backend == "sqlite":
        path = settings.sqlite_path
        files = [path.with_name(path.name + suffix) for suffix in ("", "-wal", "-shm")]
        away = tmp_path / "away"
        away.mkdir()
        trial.db.engine.dispose()

        def move(source: Path, target: Path) -> Callable[[], None]:
            def apply() -> None:
                for file in files:
                    if (source / file.name).exists():
                        os.replace(source / file.name, target / file.name)

            return apply

        faults["disk full"] = (set_fault("full"), set_fault(None))
        faults["file moved away"] = (move(path.parent, away), move(away, path.parent))
    else:
        url = make_url(settings.database_url)
        relay = Relay((url.host or "127.0.0.1", url.port or 5432))
        relay.start()
        relayed = url.set(host="127.0.0.1", port=relay.port)
        settings = Settings(database_url=relayed.render_as_string(hide_password=False))
        faults["server gone"] = (relay.stop, relay.start)
    rounds = 10
    attempts: list[Any] = []
    versions: dict[Any, int] = {}
    serial = 0
    try:
        with server_over(kit, trial, settings, switch) as (server, token):
            for _ in range(rounds):
                for on, off in faults.values():
                    serial += 5_000
                    driver, _ = drive_through_fault(
                        kit, server, token, slots, on=on, off=off, first_serial=serial,
                        versions=versions,
                    )  # fmt: skip
                    versions.update(driver.last_versions())
                    attempts += driver.attempts
    finally:
        if relay is not None and relay._listener is not None:
            relay.stop()
    trial.db.engine.dispose()
    check = check_stored(kit, trial.db.factory, attempts)
    kit.report(
        capsys,
        f"storage faults ({trial.db.backend}): {', '.join(faults)}, {rounds} times each: "
        f"{check.refused} saves refused with 503 'nothing was saved', {check.acknowledged} "
        f"acknowledged, {check.lost} acknowledged but not stored, recovered every time "
        f"without a restart",
    )
