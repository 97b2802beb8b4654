"""ODM 1.3.2 export and import: schema-valid, exact, identifier-free, and a lossless round trip."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from psotrial.audit.verify import verify_audit
from psotrial.capture.actors import SYSTEM, Actor
from psotrial.capture.deidentify import (
    compute_age_preserving_birth_date as _age_preserving_birth_date,
)
from psotrial.capture.demo import build_demo
from psotrial.capture.study import ensure_study
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.db.migrate import upgrade
from psotrial.db.models import AuditEvent, FormEntry
from psotrial.errors import DataEntryError, PermissionDenied
from psotrial.exchange.casebooks import WITHHELD, import_casebooks, load_exchange
from psotrial.exchange.odm import (
    ODM_NS,
    build_odm,
    export_odm,
    item_oid,
    parse_item_oid,
    read_odm,
    validate_odm,
)
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import Protocol, load_protocol
from psotrial.screening.facts import compute_age
from psotrial.settings import Settings

NOW = datetime(2026, 8, 2, 9, 0, tzinfo=UTC)
NS = {"o": ODM_NS}


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol("nct03745417")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol) -> Iterator[Any]:
    """One demo database for the module (SQLite; built once, read by every test)."""
    path = tmp_path_factory.mktemp("odm") / "demo.db"
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    upgrade(engine)
    factory = make_sessionmaker(engine)
    build_demo(factory, protocol=protocol, protocol_name="nct03745417", participants=12, now=NOW)
    yield factory
    engine.dispose()


@pytest.fixture(scope="module")
def xml(demo: sessionmaker[Session], protocol: Protocol) -> bytes:
    with demo() as session:
        return build_odm(session, protocol, now=NOW)


def test_build_odm_is_valid_for_odmlib_schema_validator(xml: bytes, tmp_path: Path) -> None:
    from odmlib.odm_parser import ODMSchemaValidator

    path = tmp_path / "study.xml"
    path.write_bytes(xml)
    assert ODMSchemaValidator(standard="odm", version="1.3.2").validate_file(str(path)) is None


def test_build_odm_metadata_follows_the_protocol(xml: bytes, protocol: Protocol) -> None:
    root = etree.fromstring(xml)
    events = root.xpath("//o:StudyEventDef/@OID", namespaces=NS)
    assert events == [f"SE.{visit.code}" for visit in protocol.visits]
    erythema = root.xpath("//o:ItemDef[@OID='IT.PASI.HEAD.ERYTHEMA']", namespaces=NS)[0]
    assert (erythema.get("DataType"), erythema.get("Length")) == ("integer", "1")
    checks = erythema.xpath("o:RangeCheck", namespaces=NS)
    assert [(c.get("Comparator"), c[0].text) for c in checks] == [("GE", "0"), ("LE", "4")]
    q3 = root.xpath("//o:ItemDef[@OID='IT.DLQI.Q3']/o:CodeListRef/@CodeListOID", namespaces=NS)
    q8 = root.xpath("//o:ItemDef[@OID='IT.DLQI.Q8']/o:CodeListRef/@CodeListOID", namespaces=NS)
    assert q3 == q8 == ["CL.DLQI.Q3"]  # identical answer scales share one code list
    codes = root.xpath("//o:CodeList[@OID='CL.DLQI.Q7A']/o:CodeListItem/@CodedValue", namespaces=NS)
    assert codes == ["yes", "no", "not_relevant"]
    assert root.xpath("//o:ItemDef[@OID='IT.LABS.CA.VALUE']/@DataType", namespaces=NS) == ["float"]
    repeating = root.xpath("//o:FormDef[@Repeating='Yes']/@OID", namespaces=NS)
    assert repeating == ["F.ADVERSE_EVENT", "F.CONCOMITANT_MEDICATION"]


def test_build_odm_values_are_exact_and_audited(
    xml: bytes, demo: sessionmaker[Session], protocol: Protocol
) -> None:
    root = etree.fromstring(xml)
    with demo() as session:
        entry = session.scalars(select(FormEntry).where(FormEntry.form_code == "pasi")).first()
        assert entry is not None
        stored = loads_exact(entry.data)
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == str(entry.id), AuditEvent.item == "lower_limbs.area_pct"
            )
        ).one()
    values = root.xpath(
        "//o:ItemData[@ItemOID='IT.PASI.LOWER_LIMBS.AREA_PCT']"
        f"[o:AuditRecord/o:SourceID='psotrial audit event {event.id}']",
        namespaces=NS,
    )
    assert [v.get("Value") for v in values] == [format(stored["lower_limbs.area_pct"], "f")]
    audit = values[0].find("o:AuditRecord", NS)
    assert audit.find("o:UserRef", NS).get("UserOID").startswith("USR.")
    assert audit.find("o:DateTimeStamp", NS).text == event.at.astimezone(UTC).isoformat()
    # An explicit null stays null (a therapy never used), distinct from a missing value.
    assert root.xpath("//o:ItemData[@IsNull='Yes']", namespaces=NS)


def test_build_odm_carries_no_names(xml: bytes, demo: sessionmaker[Session]) -> None:
    assert b"Demo " not in xml  # demo users' full names ("Demo coordinator (synthetic)")
    assert b"demo-" not in xml  # login names
    investigator = etree.fromstring(xml).xpath(
        "//o:ItemData[@ItemOID='IT.ELIGIBILITY_CONFIRMATION.INVESTIGATOR']/@Value", namespaces=NS
    )
    assert len(investigator) > 1
    assert set(investigator) == {WITHHELD}


@given(
    birth=st.dates(min_value=date(1930, 1, 1), max_value=date(2010, 12, 31)),
    screening=st.dates(min_value=date(2011, 1, 1), max_value=date(2040, 12, 31)),
)
def test_age_preserving_birth_date_keeps_age_and_is_idempotent(
    birth: date, screening: date
) -> None:
    generalised = _age_preserving_birth_date(birth, screening)
    assert compute_age(generalised, screening) == compute_age(birth, screening)
    assert _age_preserving_birth_date(generalised, screening) == generalised


@given(st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z][a-z0-9_]{0,8}){0,2}", fullmatch=True))
def test_item_oid_is_reversible(name: str) -> None:
    assert parse_item_oid(item_oid("adverse_event", name)) == ("adverse_event", name)


def test_odm_round_trip_gives_the_same_values(
    database: Any, demo: sessionmaker[Session], protocol: Protocol
) -> None:
    with demo() as session:
        first = build_odm(session, protocol, now=NOW)
        plain = build_odm(session, protocol, now=NOW, include_audit=False)
        subjects = len(load_exchange(session, protocol).subjects)
    with transaction(database.factory) as session:
        ensure_study(session, actor=SYSTEM, protocol=protocol, protocol_name="nct03745417", now=NOW)
    casebooks = read_odm(first, protocol)
    results = list(
        import_casebooks(database.factory, protocol=protocol, actor=SYSTEM, casebooks=casebooks)
    )
    assert [(key, error) for key, new, error in results if error or new != key] == []
    assert len(results) == subjects
    with database.factory() as session:
        again = build_odm(session, protocol, now=NOW, include_audit=False)
        audited = build_odm(session, protocol, now=NOW)
    # Same participants, visits, forms and values. A log's number may change: the demo's
    # serious AE was added at W2 as AE 3, after AE 2 at a later visit, and an import
    # numbers logs in visit order (casebook LogRecord has no number to keep).
    assert _without_repeat_keys(again) == _without_repeat_keys(plain)
    users = etree.fromstring(audited).xpath("//o:AuditRecord/o:UserRef/@UserOID", namespaces=NS)
    assert set(users) == {"USR.SYSTEM"}  # the import is audited afresh, by its own actor
    with database.factory() as session:  # one audit INSERT per casebook, the chain intact
        assert verify_audit(session).ok
    # A second import of the same file adds nobody.
    results = list(
        import_casebooks(database.factory, protocol=protocol, actor=SYSTEM, casebooks=casebooks)
    )
    assert all(new is None and "already in this database" in str(err) for _, new, err in results)


def test_export_odm_is_an_audit_event_for_exporters_only(database: Any, protocol: Protocol) -> None:
    with transaction(database.factory) as session:
        ensure_study(session, actor=SYSTEM, protocol=protocol, protocol_name="nct03745417", now=NOW)
    with (
        transaction(database.factory) as session,
        pytest.raises(PermissionDenied, match="may not export"),
    ):
        export_odm(session, protocol=protocol, actor=Actor("c", "coordinator"), now=NOW)
    with transaction(database.factory) as session:
        export_odm(session, protocol=protocol, actor=Actor("dm", "data_manager"), now=NOW)
    with database.factory() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.actor == "dm"
    assert loads_exact(event.new_value) == {"format": "odm", "files": ["study.odm.xml"], "rows": 0}


def _without_repeat_keys(xml: bytes) -> bytes:
    return re.sub(rb' FormRepeatKey="\d+"', b"", xml)


def _replace(xml: bytes, old: bytes, new: bytes) -> bytes:
    assert old in xml
    return xml.replace(old, new, 1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda x: _replace(x, b'ODMVersion="1.3.2"', b'ODMVersion="9"'), "not valid ODM 1.3.2"),
        (lambda x: _replace(x, b"<ODM ", b"<!DOCTYPE x><ODM "), "DOCTYPE"),
        (lambda x: x[:200], "not well-formed"),
        (
            lambda x: _replace(
                x, b'ItemOID="IT.PASI.HEAD.ERYTHEMA" Trans', b'ItemOID="IT.X" Trans'
            ),
            "unknown ItemOID 'IT.X'",
        ),
        (
            lambda x: _replace(x, b'TransactionType="Insert" Value="vulgaris"', b'Value="plaque"'),
            "expected one of vulgaris, guttate",
        ),
        (
            lambda x: _replace(x, b'<ClinicalData StudyOID="ST.', b'<ClinicalData StudyOID="ST.X'),
            "holds study",
        ),
    ],
)
def test_read_odm_refuses_bad_files(
    xml: bytes, protocol: Protocol, change: Any, message: str
) -> None:
    with pytest.raises(DataEntryError, match=message):
        read_odm(change(xml), protocol)


def test_validate_odm_accepts_the_export(xml: bytes) -> None:
    validate_odm(xml)
