"""Malformed import files: each bad line (or file) refused with its number and reason, the
rest imported, memory bounded.

``psotrial import FILE`` (JSON Lines casebooks) gets truncated JSON, latin-1 and UTF-16
bytes, a UTF-8 byte-order mark, 100,000 nested brackets, a duplicated participant and a
line far over the limit (5 MB against a 1 MB limit in ``make test``; 100 MB against the
default 10 MB with ``PSOTRIAL_RELIABILITY=1``), read past in chunks: peak memory is
measured with tracemalloc. ``import redcap`` and ``import odm`` get wrong encodings and a
participant listed twice. (Malformed ODM: DOCTYPE, truncation, unknown OIDs and values are
tests/exchange/test_odm.py::test_read_odm_refuses_bad_files; a file imported twice is
tests/cli/test_exchange_cli.py::test_export_then_import_odm_and_redcap.)
"""

from __future__ import annotations

import io
import os
import re
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import psotrial.capture.importing as importing
from psotrial.audit import verify_audit
from psotrial.capture.importing import OversizedLine, read_lines
from psotrial.cli.main import main
from psotrial.db.models import AuditEvent, Participant
from psotrial.jsoncodec import dumps_canonical
from psotrial.simulate import simulate_cohort

LONG = os.environ.get("PSOTRIAL_RELIABILITY") == "1"
MB = 1024 * 1024


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def _casebooks(trial: Any, n: int) -> list[bytes]:
    """``n`` valid casebook lines, cut to their first two visits (keeps the test fast)."""
    lines = []
    for casebook in simulate_cohort(trial.protocol, n=n, seed=11, start=date(2026, 1, 5)):
        visits = casebook.visits[:2]
        kept = {visit.visit for visit in visits}
        logs = tuple(log for log in casebook.logs if log.visit in kept)
        short = casebook.model_copy(update={"visits": visits, "logs": logs, "withdrawal": None})
        lines.append(dumps_canonical(short.model_dump()).encode())
    return lines


def _huge_line(handle: Any, size: int) -> None:
    """Write a JSON-looking line of ``size`` bytes in 1 MB pieces (never whole in memory)."""
    head = b'{"site": "GZ01", "note": "'
    handle.write(head)
    left = size - len(head) - 2
    piece = b"A" * MB
    while left > 0:
        handle.write(piece[: min(left, MB)])
        left -= MB
    handle.write(b'"}\n')


def _counts(trial: Any) -> tuple[int, int]:
    with trial.db.factory() as session:
        return (
            session.scalar(select(func.count()).select_from(Participant)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def test_read_lines_skips_an_oversized_line_in_bounded_memory(tmp_path: Path) -> None:
    size, limit = (100 * MB, 10 * MB) if LONG else (5 * MB, 1 * MB)
    path = tmp_path / "huge.jsonl"
    with path.open("wb") as handle:
        handle.write(b'{"a": 1}\n')
        _huge_line(handle, size)
        handle.write(b'{"b": 2}\n')
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            kinds = [
                line.size if isinstance(line, OversizedLine) else line
                for line in read_lines(stream, max_bytes=limit)
            ]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert kinds == [b'{"a": 1}\n', size, b'{"b": 2}\n']
    # readline(limit) may hold the line twice (buffer and result), plus a 1 MB chunk while
    # reading past the rest: bounded by the limit, whatever the line's size.
    assert peak < 2 * limit + 3 * MB, f"peak {peak:,} bytes for a {size:,}-byte line"


def test_read_lines_drops_a_utf8_bom_and_keeps_line_numbers() -> None:
    stream = io.BytesIO(b'\xef\xbb\xbf{"a": 1}\n\n{"b": 2}')
    assert list(read_lines(stream)) == [b'{"a": 1}\n', b"\n", b'{"b": 2}']


def test_import_hostile_jsonl_refuses_each_bad_line_by_number(
    trial: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", trial.db.settings.database_url)
    huge, limit = (100 * MB, importing.MAX_LINE_BYTES) if LONG else (5 * MB, 1 * MB)
    monkeypatch.setattr(importing, "MAX_LINE_BYTES", limit)
    first, second, third = _casebooks(trial, 3)
    path = tmp_path / "hostile.jsonl"
    with path.open("wb") as handle:
        handle.write(b"\xef\xbb\xbf" + first + b"\n")  # 1: valid, after a UTF-8 BOM
        handle.write(second[: len(second) // 2] + b"\n")  # 2: truncated
        handle.write(b'{"site": "GZ01", "note": "caf\xe9"}\n')  # 3: latin-1
        handle.write('{"site": "GZ01"}'.encode("utf-16") + b"\n")  # 4: UTF-16
        handle.write(first + b"\n")  # 5: the participant of line 1 again
        handle.write(b"[" * 100_000 + b"\n")  # 6: nested past any parser's stack
        _huge_line(handle, huge)  # 7: over the line limit
        handle.write(second + b"\n")  # 8: valid
        handle.write(b"   \n")  # 9: blank, skipped
        handle.write(b'{"site": "GZ01", "screening": null, "extra": 1}\n')  # 10: bad shape
        handle.write(third)  # 11: valid, no final newline
    participants, events = _counts(trial)

    # tracemalloc slows the whole import several times over: the short variant leaves the
    # memory bound to test_read_lines_skips_an_oversized_line_in_bounded_memory.
    if LONG:
        tracemalloc.start()
    try:
        status, out, err = _run(capsys, "import", str(path))
        peak = tracemalloc.get_traced_memory()[1] if LONG else 0
    finally:
        tracemalloc.stop()

    refusals = dict(re.findall(rf"{re.escape(str(path))}:(\d+): refused: (.*)", err))
    assert status == 1, err
    assert out.strip() == "imported 3 participant(s); refused 7 line(s)"
    assert sorted(refusals, key=int) == ["2", "3", "4", "5", "6", "7", "10"], err
    assert refusals["2"].startswith("not valid JSON")
    assert refusals["3"] == "not UTF-8 (byte 29)"
    assert refusals["4"] == "UTF-16 text (byte-order mark); save the file as UTF-8"
    assert refusals["5"] == "duplicate participant: the same casebook as line 1"
    assert refusals["6"] == "not valid JSON: nested too deeply"
    assert refusals["7"] == f"line is {huge:,} bytes; at most {limit:,} are accepted"
    assert refusals["10"].startswith("screening: ")
    after_participants, after_events = _counts(trial)
    assert after_participants == participants + 3
    assert after_events > events
    with trial.db.factory() as session:
        assert verify_audit(session).ok
    assert peak < limit + 50 * MB, f"import peak {peak:,} bytes with a {huge:,}-byte line"
    with capsys.disabled():
        print(
            f"\nimport ({trial.db.backend}): 11 lines, 7 refused by number and reason "
            f"(truncated, latin-1, UTF-16, duplicate, nesting, {huge // MB} MB line, shape), "
            f"3 imported" + (f"; peak traced memory {peak / MB:.1f} MB" if LONG else "")
        )


def test_import_whole_utf16_file_refused_line_by_line(
    trial: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", trial.db.settings.database_url)
    (line,) = _casebooks(trial, 1)
    path = tmp_path / "utf16.jsonl"
    path.write_bytes((line.decode() + "\n" + line.decode() + "\n").encode("utf-16"))
    before = _counts(trial)
    status, out, err = _run(capsys, "import", str(path))
    assert status == 1
    assert out.strip().startswith("imported 0 participant(s)")
    assert f"{path}:1: refused: UTF-16 text" in err
    assert f"{path}:2: refused:" in err
    assert _counts(trial) == before


@pytest.fixture
def redcap_records(
    trial: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """A REDCap records.csv exported from a database with one enrolled participant."""
    with trial.session() as session:
        trial.enrolled(session)
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", trial.db.settings.database_url)
    status, _, err = _run(capsys, "export", "redcap", "--out", str(tmp_path / "redcap"))
    assert status == 0, err
    return tmp_path / "redcap" / "records.csv"


def _fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any, name: str) -> Path:
    path = tmp_path / name
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", f"sqlite:///{path}")
    assert _run(capsys, "db", "upgrade")[0] == 0
    return path


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("encode", "message"),
    [
        (
            lambda text: text.replace("withheld on export", "retenu à l'export").encode("latin-1"),
            "not UTF-8",
        ),
        (lambda text: text.encode("utf-16"), "is not UTF-8 (byte 0)"),
    ],
)
def test_import_redcap_wrong_encoding_refused_nothing_written(
    redcap_records: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    encode: Any,
    message: str,
) -> None:
    text = redcap_records.read_text(encoding="utf-8")
    assert "withheld on export" in text
    bad = tmp_path / "records-bad.csv"
    bad.write_bytes(encode(text))
    _fresh(tmp_path, monkeypatch, capsys, "target.db")
    status, _, err = _run(capsys, "import", "redcap", str(bad))
    assert status == 2
    assert message in err
    assert _run(capsys, "audit", "verify")[0] == 0


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_import_redcap_with_bom_accepted_and_twice_refused(
    redcap_records: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with_bom = tmp_path / "records-bom.csv"
    with_bom.write_bytes(b"\xef\xbb\xbf" + redcap_records.read_bytes())
    _fresh(tmp_path, monkeypatch, capsys, "target.db")
    status, out, err = _run(capsys, "import", "redcap", str(with_bom))
    assert (status, out.strip().splitlines()[-1]) == (0, "imported 1 participant(s); refused 0")
    status, out, err = _run(capsys, "import", "redcap", str(with_bom))
    assert status == 1
    assert "already in this database" in err
    assert out.strip() == "imported 0 participant(s); refused 1"


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_import_odm_with_a_participant_listed_twice_refused(
    trial: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with trial.session() as session:
        trial.enrolled(session)
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", trial.db.settings.database_url)
    odm = tmp_path / "study.odm.xml"
    assert _run(capsys, "export", "odm", "--out", str(odm), "--no-audit")[0] == 0
    xml = odm.read_bytes()
    start = xml.index(b"<SubjectData ")
    end = xml.index(b"</SubjectData>") + len(b"</SubjectData>")
    twice = tmp_path / "twice.odm.xml"
    twice.write_bytes(xml[:end] + xml[start:end] + xml[end:])
    _fresh(tmp_path, monkeypatch, capsys, "target.db")
    status, _out, err = _run(capsys, "import", "odm", str(twice))
    assert status != 0
    assert "SubjectKey 'GZ01-001' is listed twice; list each participant once" in err
    assert _run(capsys, "audit", "verify")[0] == 0
