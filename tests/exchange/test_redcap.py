"""REDCap data dictionary, events and flat records: standard shape, exact round trips."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from psotrial.capture.actors import SYSTEM
from psotrial.capture.demo import build_demo
from psotrial.capture.study import ensure_study
from psotrial.db.engine import make_engine, make_sessionmaker, transaction
from psotrial.db.migrate import upgrade
from psotrial.errors import DataEntryError
from psotrial.exchange.casebooks import exchange_forms, import_casebooks
from psotrial.exchange.redcap import (
    DICTIONARY_COLUMNS,
    build_instrument_event_mapping,
    build_redcap_dictionary,
    build_redcap_events,
    build_redcap_export,
    build_repeating_instruments,
    field_name,
    read_redcap_dictionary,
    read_redcap_export,
)
from psotrial.protocol import ItemSpec, Protocol, load_protocol
from psotrial.settings import Settings

NOW = datetime(2026, 8, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol("nct03745417")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, protocol: Protocol) -> Iterator[Any]:
    path = tmp_path_factory.mktemp("redcap") / "demo.db"
    engine = make_engine(Settings(database_url=f"sqlite:///{path}"))
    upgrade(engine)
    factory = make_sessionmaker(engine)
    build_demo(factory, protocol=protocol, protocol_name="nct03745417", participants=12, now=NOW)
    yield factory
    engine.dispose()


@pytest.fixture(scope="module")
def records(demo: sessionmaker[Session], protocol: Protocol) -> str:
    with demo() as session:
        return build_redcap_export(session, protocol)


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_dictionary_has_the_standard_columns_and_valid_unique_names(protocol: Protocol) -> None:
    text = build_redcap_dictionary(protocol)
    assert tuple(text.splitlines()[0].split(",")[:2]) == ("Variable / Field Name", "Form Name")
    rows = _rows(text)
    assert tuple(rows[0]) == DICTIONARY_COLUMNS
    assert len(DICTIONARY_COLUMNS) == 18
    names = [row["Variable / Field Name"] for row in rows]
    assert names[0] == "record_id"
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) and len(name) <= 100 for name in names)


def test_dictionary_maps_types_validation_and_branching(protocol: Protocol) -> None:
    rows = {row["Variable / Field Name"]: row for row in _rows(build_redcap_dictionary(protocol))}
    validation = "Text Validation Type OR Show Slider Number"
    assert (
        rows["pasi_head_erythema"][validation],
        rows["pasi_head_erythema"]["Text Validation Max"],
    ) == ("integer", "4")
    assert rows["vital_signs_weight_kg"][validation] == "number"
    assert rows["vital_signs_weight_kg"]["Field Note"] == "Unit: kg"
    assert rows["informed_consent_consent_date"][validation] == "date_ymd"
    assert rows["informed_consent_signed"]["Field Type"] == "yesno"
    assert rows["dlqi_q1"]["Choices, Calculations, OR Slider Labels"] == (
        "3, Very much | 2, A lot | 1, A little | 0, Not at all"
    )
    # domain.md section 3: 7b is asked only when 7a is "No".
    assert rows["dlqi_q7b"]["Branching Logic (Show field only if...)"] == "[dlqi_q7a] = 'no'"
    assert rows["dlqi_q7a"]["Branching Logic (Show field only if...)"] == ""
    assert rows["demographics_birth_date"]["Identifier?"] == "y"
    assert rows["eligibility_confirmation_investigator"]["Identifier?"] == "y"
    assert rows["labs_ca_lln"]["Field Annotation"].endswith("@DEFAULT='2.11'")


def test_dictionary_reads_back_into_the_protocol_items(protocol: Protocol) -> None:
    back = read_redcap_dictionary(build_redcap_dictionary(protocol))
    assert back == {form.code: form.items for form in exchange_forms(protocol)}
    for spec in protocol.forms:
        if spec.instrument == "labs":
            tests = [(i.key, i.label, i.unit, i.default) for i in back[spec.code]]
            assert [t for t in tests if t[0].endswith(".lln")] == [
                (f"{t.code}.lln", f"{t.name} - lower limit of normal", t.unit, t.lln)
                for t in spec.lab_tests
            ]
            continue
        items = tuple(
            ItemSpec(
                name=i.key,
                label=i.label,
                type=i.type,
                unit=i.unit,
                min=i.min,
                max=i.max,
                required=i.required,
                nullable=i.nullable,
                choices=i.choices,
            )
            for i in back[spec.code]
        )
        assert items == tuple(item.model_copy(update={"example": None}) for item in spec.items)


def test_events_and_instrument_mapping_follow_the_visits(protocol: Protocol) -> None:
    events = _rows(build_redcap_events(protocol))
    assert [e["unique_event_name"] for e in events][:3] == ["scr_arm_1", "w0_arm_1", "w2_arm_1"]
    assert events[2]["day_offset"] == "15"
    mapping = _rows(build_instrument_event_mapping(protocol))
    w0 = [row["form"] for row in mapping if row["unique_event_name"] == "w0_arm_1"]
    assert w0[:3] == ["visit", "vital_signs", "pasi"]
    assert "end_of_study" in w0  # collected at any visit after enrolment
    scr = [row["form"] for row in mapping if row["unique_event_name"] == "scr_arm_1"]
    assert scr[:2] == ["participant", "visit"]
    assert "adverse_event" not in scr
    repeating = {row["form_name"] for row in _rows(build_repeating_instruments(protocol))}
    assert repeating == {"adverse_event", "concomitant_medication"}


def test_export_rows_are_raw_redcap_values(records: str) -> None:
    rows = _rows(records)
    assert list(rows[0])[:5] == [
        "record_id", "redcap_event_name", "redcap_repeat_instrument", "redcap_repeat_instance",
        "redcap_data_access_group",
    ]  # fmt: skip
    first = rows[0]
    assert first["redcap_event_name"] == "scr_arm_1"
    assert first["redcap_data_access_group"] == "gz01"
    assert first["informed_consent_signed"] == "1"
    assert first["eligibility_confirmation_investigator"] == "withheld on export"
    logs = [row for row in rows if row["redcap_repeat_instrument"]]
    assert logs
    assert all(
        row["adverse_event_complete"] or row["concomitant_medication_complete"] for row in logs
    )
    infusion = next(row["infusion_start_time"] for row in rows if row["infusion_start_time"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", infusion)  # site local time


def test_redcap_round_trip_gives_the_same_records(
    database: Any, records: str, protocol: Protocol
) -> None:
    with transaction(database.factory) as session:
        ensure_study(session, actor=SYSTEM, protocol=protocol, protocol_name="nct03745417", now=NOW)
    casebooks = read_redcap_export(records, protocol)
    results = list(
        import_casebooks(database.factory, protocol=protocol, actor=SYSTEM, casebooks=casebooks)
    )
    assert [(key, error) for key, new, error in results if error or new != key] == []
    with database.factory() as session:
        again = build_redcap_export(session, protocol)
    # The serious AE the demo adds at W2 as AE 3 is renumbered in visit order on import.
    instance = re.compile(r"^([^,]*,[^,]*,[^,]*),\d+,", re.MULTILINE)
    assert instance.sub(r"\1,n,", again) == instance.sub(r"\1,n,", records)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("record_id,", "record_id,mystery,", 1), "no field of the"),
        (lambda t: t.replace("scr_arm_1", "baseline_arm_1", 1), "unknown event 'baseline_arm_1'"),
        (lambda t: t.replace(",gz01,", ",gz99,", 1), "unknown data access group"),
        (lambda t: t.replace("record_id,redcap_event_name", "id,event", 1), "needs the columns"),
    ],
)
def test_read_redcap_export_refuses_bad_files(
    records: str, protocol: Protocol, change: Any, message: str
) -> None:
    with pytest.raises(DataEntryError, match=message):
        read_redcap_export(change(records), protocol)


def test_read_redcap_export_names_a_bad_value(records: str, protocol: Protocol) -> None:
    rows = _rows(records)
    rows[0]["informed_consent_signed"] = "yes"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with pytest.raises(DataEntryError, match=r"informed_consent_signed: expected 1 \(yes\) or 0"):
        read_redcap_export(buffer.getvalue(), protocol)


def test_field_name_is_lower_case_with_underscores() -> None:
    assert field_name("pasi", "upper_limbs.area_pct") == "pasi_upper_limbs_area_pct"
    assert field_name("psotrial.visit", "date") == "visit_date"
