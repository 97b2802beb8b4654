"""SQL metacharacters and HTML/JS in every free-text field: stored verbatim, shown escaped.

Free texts: an AE verbatim term, a medication name, a reason for change, a query and its
answer, a site name, a user's full name. Each holds SQL metacharacters, an HTML/JS payload
and starts with a spreadsheet formula character. Property:

- the database holds each text exactly (bound parameters, no SQL is ever built from text);
- no page shows a payload unescaped (the raw ``<script>alert(N)`` never appears) and the
  escaped text appears on a page that shows that field;
- ODM XML stays well-formed and gives the texts back exactly; JSONL exports hold them exactly;
- CSV formula policy, per export: ``export records`` (the export meant for spreadsheets)
  prefixes a text cell starting with = + - @ tab or CR with an apostrophe; ``export sdtm
  --format csv`` and REDCap's ``records.csv`` are data-interchange files read by programs
  (SAS/R, REDCap's importer) and keep values exact: tested as such, so a change is deliberate;
- the PDF report, where it shows a text, shows it literally (pdftotext).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree
from sqlalchemy import select

from psotrial.capture.actors import SYSTEM
from psotrial.capture.entries import entry_values, find_entry, save_entry
from psotrial.capture.queries import answer_query, open_query
from psotrial.capture.sites import add_site
from psotrial.capture.users import actor_for, create_user
from psotrial.capture.visits import record_visit
from psotrial.cli.main import main
from psotrial.db.models import AuditEvent, Participant, Query, Site, User
from psotrial.web import create_app

# Each starts with a formula character, carries SQL metacharacters and a numbered script.
TEXTS = {
    "verbatim": '=HYPERLINK("http://x","y") \'; DROP TABLE form_entry;-- <script>alert(1)</script>',
    "medication": "+cmd|' /C calc'!A0 \" OR 1=1 -- <script>alert(2)</script>",
    "reason": "-1+1 '); DELETE FROM audit_event;-- <script>alert(3)</script>",
    "query": "@SUM(1+1) ' OR ''=' <script>alert(4)</script>",
    "answer": "\t=1+1 \\'; -- <script>alert(5)</script>",
    "site": "=1 Site'; DROP TABLE site;-- <script>alert(6)</script>",
    "full_name": "@Eve '-- <script>alert(7)</script>",
}
RAW = re.compile(r"<script>alert\(\d\)")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _escaped(text: str) -> str:
    number = re.search(r"alert\((\d)\)", text)
    assert number
    return f"&lt;script&gt;alert({number.group(1)})&lt;/script&gt;"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status = main(list(argv))
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


@pytest.fixture
def hostile(trial: Any) -> dict[str, Any]:
    """A participant whose free texts are all hostile, and the places they live."""
    coordinator = trial.actors["coordinator"]
    with trial.session() as session:
        add_site(session, actor=SYSTEM, code="GZ02", name=TEXTS["site"], timezone="Asia/Shanghai")
        eve = create_user(
            session,
            actor=SYSTEM,
            username="eve",
            full_name=TEXTS["full_name"],
            role="coordinator",
            password=trial.password,
            sites=["GZ01"],
        )
        participant = trial.enrolled(session)
        record_visit(
            session,
            protocol=trial.protocol,
            actor=coordinator,
            participant=participant,
            visit="W0",
            on=date(2026, 3, 2),
            now=trial.now,
        )
        ae = {
            "ctcae_term": "Fever",
            "verbatim": "transient fever",
            "onset_date": "2026-03-02",
            "grade": 1,
            "serious": False,
            "relatedness": "possible",
            "action_taken": "none",
            "outcome": "recovered",
            "resolution_date": "2026-03-03",
        }
        saved = save_entry(
            session,
            protocol=trial.protocol,
            actor=actor_for(eve),
            participant=participant,
            visit="W0",
            form="adverse_event",
            data=ae,
            base_version=0,
            repeat=1,
            now=trial.now,
        )
        save_entry(
            session,
            protocol=trial.protocol,
            actor=actor_for(eve),
            participant=participant,
            visit="W0",
            form="adverse_event",
            data={**ae, "verbatim": TEXTS["verbatim"]},
            base_version=saved.entry.version,
            reason=TEXTS["reason"],
            repeat=1,
            now=trial.now,
        )
        save_entry(
            session,
            protocol=trial.protocol,
            actor=coordinator,
            participant=participant,
            visit="W0",
            form="concomitant_medication",
            data={
                "name": TEXTS["medication"],
                "indication": "pruritus",
                "dose": 10,
                "dose_unit": "mg",
                "route": "oral",
                "start_date": "2026-03-02",
                "ongoing": True,
            },
            base_version=0,
            repeat=1,
            now=trial.now,
        )
        query = open_query(
            session,
            actor=trial.actors["monitor"],
            participant=participant,
            message=TEXTS["query"],
            now=trial.now,
        )
        answer_query(
            session, actor=coordinator, query_id=query.id, answer=TEXTS["answer"], now=trial.now
        )
        return {"pid": participant.participant_code, "id": participant.id, "query": query.id}


def test_free_texts_stored_verbatim(trial: Any, hostile: dict[str, Any]) -> None:
    with trial.db.factory() as session:
        participant = session.get_one(Participant, hostile["id"])
        ae = find_entry(session, participant, "W0", "adverse_event", 1)
        medication = find_entry(session, participant, "W0", "concomitant_medication", 1)
        assert ae is not None
        assert medication is not None
        assert entry_values(ae)["verbatim"] == TEXTS["verbatim"]
        assert entry_values(medication)["name"] == TEXTS["medication"]
        query = session.get_one(Query, hostile["query"])
        assert (query.message, query.answer) == (TEXTS["query"], TEXTS["answer"])
        assert session.scalars(select(Site.name).where(Site.code == "GZ02")).one() == TEXTS["site"]
        eve = session.scalars(select(User).where(User.username == "eve")).one()
        assert eve.full_name == TEXTS["full_name"]
        reasons = session.scalars(select(AuditEvent.reason).where(AuditEvent.reason.is_not(None)))
        assert TEXTS["reason"] in set(reasons)


@pytest.fixture
def served(trial: Any, hostile: dict[str, Any]) -> Iterator[str]:
    import socket
    import threading
    import time

    import uvicorn

    app = create_app(trial.db.settings, factory=trial.db.factory, clock=lambda: trial.now)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    host, port = sock.getsockname()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def _browser(url: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30, follow_redirects=False)
    token = CSRF.search(client.get("/login").text)
    assert token
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": token.group(1),
            "next": "/dashboard",
        },
    )
    assert response.status_code == 303, response.text
    return client


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_pages_show_free_texts_escaped(
    trial: Any, hostile: dict[str, Any], served: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pid = hostile["pid"]
    pages = [
        "/dashboard",
        "/participants",
        f"/participants/{pid}",
        f"/participants/{pid}/audit",
        f"/participants/{pid}/visits/W0/forms/adverse_event?repeat=1",
        f"/participants/{pid}/visits/W0/forms/concomitant_medication?repeat=1",
        "/adverse-events",
        "/queries",
        "/signatures",
        "/visits",
        "/screening",
    ]
    shown: dict[str, list[str]] = {name: [] for name in TEXTS}
    for username in ("monitor", "coordinator", "data_manager"):
        client = _browser(served, username, trial.password)
        try:
            for page in pages:
                response = client.get(page)
                assert response.status_code in (200, 403), (page, response.status_code)
                assert not RAW.search(response.text), f"unescaped script on {page}"
                for name, text in TEXTS.items():
                    if _escaped(text) in response.text:
                        shown[name].append(f"{username} {page}")
        finally:
            client.close()
    # Each text is shown somewhere (escaped), except where no page shows that field.
    missing = sorted(name for name, where in shown.items() if not where)
    assert set(missing) <= {"site", "full_name"}, missing
    with capsys.disabled():
        print(
            f"\ninjection pages: {len(pages)} pages x 3 roles, 0 unescaped; texts shown escaped: "
            + ", ".join(f"{n} ({len(w)})" for n, w in shown.items())
        )


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_exports_keep_texts_and_follow_the_formula_policy(
    trial: Any,
    hostile: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", trial.db.settings.database_url)
    verbatim, medication = TEXTS["verbatim"], TEXTS["medication"]

    # export records, CSV: the spreadsheet export; every formula start neutralised.
    _run(capsys, "export", "records", "--format", "csv", "--out", str(tmp_path / "csv"))
    cells = [
        cell
        for path in (tmp_path / "csv").glob("*.csv")
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
        for cell in row
    ]
    assert "'" + verbatim in cells
    assert "'" + medication in cells
    dangerous = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
    assert not dangerous, dangerous[:5]
    assert not [c for c in cells if c.startswith("-") and not re.fullmatch(r"-[\d.]+", c)]

    # export records, JSONL: exact values.
    _run(capsys, "export", "records", "--format", "jsonl", "--out", str(tmp_path / "jsonl"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "jsonl").glob("*"))
    values = {json.dumps(v) for v in (verbatim, medication)}
    assert all(v in text for v in values)

    # SDTM CSV: exact (AETERM verbatim, CMTRT), read by SAS/R, not a spreadsheet.
    _run(capsys, "export", "sdtm", "--format", "csv", "--out", str(tmp_path / "sdtm"))
    sdtm = {
        path.stem: list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        for path in (tmp_path / "sdtm").glob("*.csv")
    }
    assert verbatim in {row.get("AETERM") for row in sdtm["ae"]}
    assert medication in {row.get("CMTRT") for row in sdtm.get("cm", [])}

    # ODM XML: well-formed, and the parsed values are exact.
    odm = tmp_path / "study.odm.xml"
    _run(capsys, "export", "odm", "--out", str(odm))
    root = etree.parse(str(odm), etree.XMLParser(resolve_entities=False, no_network=True))
    odm_values = {e.get("Value") for e in root.iter("{*}ItemData")}
    assert verbatim in odm_values
    assert medication in odm_values
    assert b"<script>" not in odm.read_bytes()

    # REDCap records.csv: exact, as REDCap's importer must get them back (policy: no
    # apostrophe; the file is for REDCap, not for a spreadsheet).
    _run(capsys, "export", "redcap", "--out", str(tmp_path / "redcap"))
    records = (tmp_path / "redcap" / "records.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(records, newline="")))
    redcap_cells = {cell for row in rows for cell in row}
    assert verbatim in redcap_cells
    assert medication in redcap_cells


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_pdf_report_shows_texts_literally(
    trial: Any,
    hostile: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF text cannot be read")
    monkeypatch.setenv("PSOTRIAL_DATABASE_URL", trial.db.settings.database_url)
    _run(capsys, "report", "--out", str(tmp_path / "report"))
    html = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert not RAW.search(html)
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "report" / "report.pdf"), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    shown = [name for name, value in TEXTS.items() if _escaped(value) in html]
    # Table cells wrap a long text across lines; its script tag has no space to wrap at.
    flat = " ".join(text.split())
    assert "&lt;" not in flat
    assert "&amp;" not in flat
    for name in shown:
        tag = _escaped(TEXTS[name]).replace("&lt;", "<").replace("&gt;", ">")
        assert tag in flat, name
    with capsys.disabled():
        print(f"\ninjection report: texts in the report (escaped HTML, literal PDF): {shown}")
