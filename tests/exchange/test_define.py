"""Define-XML 2.1: valid against the bundled schema, faithful to the specs and the data."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pyreadstat
import pytest
from lxml import etree

from psotrial.exchange.define import build_define, render_define_html, validate_define
from psotrial.exchange.xpt import write_xpt
from psotrial.protocol import Protocol, load_protocol
from psotrial.sdtm.metadata import DatasetSpec, Variable

NS = {
    "odm": "http://www.cdisc.org/ns/odm/v1.3",
    "def": "http://www.cdisc.org/ns/def/v2.1",
    "xlink": "http://www.w3.org/1999/xlink",
}
CREATED = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

RS = DatasetSpec(
    "RS",
    "Disease Response and Clin Classification",
    "FINDINGS",
    "One record per test per visit per subject",
    ("STUDYID", "USUBJID", "RSTESTCD", "VISITNUM"),
    (
        Variable("STUDYID", "Study Identifier", "text", "Req", origin="Assigned"),
        Variable(
            "DOMAIN", "Domain Abbreviation", "text", "Req", codelist="DOMAIN", origin="Assigned"
        ),
        Variable(
            "USUBJID", "Unique Subject Identifier", "text", "Req", method="STUDYID || '-' || SUBJID"
        ),
        Variable("RSSEQ", "Sequence Number", "integer", "Req", method="Row number"),
        Variable(
            "RSTESTCD",
            "Assessment Short Name",
            "text",
            "Req",
            codelist="PASI02TC",
            origin="Assigned",
        ),
        Variable(
            "RSTEST", "Assessment Name", "text", "Req", codelist="PASI02TN", origin="Assigned"
        ),
        Variable(
            "RSCAT", "Category for Assessment", "text", "Exp", codelist="CCCAT", origin="Assigned"
        ),
        Variable(
            "RSORRES",
            "Result or Finding in Original Units",
            "text",
            "Exp",
            origin="Collected",
            source="pasi.head.erythema",
        ),
        Variable(
            "RSSTRESN", "Numeric Result/Finding in Standard Units", "float", "Exp", source="RSORRES"
        ),
        Variable("VISITNUM", "Visit Number", "float", "Exp", source="TV"),
        Variable(
            "EPOCH", "Epoch", "text", "Perm", codelist="EPOCH", method="Epoch of the SE element"
        ),
        Variable(
            "RSDTC",
            "Date/Time of Assessment",
            "text",
            "Exp",
            origin="Collected",
            source="pasi.date",
        ),
    ),
)
RS_FRAME = pl.DataFrame(
    {
        "STUDYID": ["NCT03745417"] * 3,
        "DOMAIN": ["RS"] * 3,
        "USUBJID": ["NCT03745417-01-001"] * 3,
        "RSSEQ": [1, 2, 3],
        "RSTESTCD": ["PASI0201", "PASI0229", "PASI0229"],
        "RSTEST": ["Head Erythema <b>", "PASI Total Score", "PASI Total Score"],
        "RSCAT": ["PASI FELDMAN"] * 3,
        "RSORRES": ["2", "12.4", "3"],
        "RSSTRESN": [2.0, 12.4, 3.0],
        "VISITNUM": [1.0, 1.0, 2.0],
        "EPOCH": ["TREATMENT", "TREATMENT", "EXTENSION"],  # EXTENSION: a sponsor term
        "RSDTC": ["2024-01-08", "2024-01-08", "2024-01-22"],
    }
)
QS = DatasetSpec(
    "QS",
    "Questionnaires",
    "FINDINGS",
    "One record per question per visit per subject",
    ("USUBJID", "QSTESTCD"),
    (
        Variable("USUBJID", "Unique Subject Identifier", "text", "Req"),
        Variable("QSTESTCD", "Question Short Name", "text", "Req", codelist="ZUNGSAS"),
        Variable("QSTEST", "Question Name", "text", "Req"),
    ),
)
QS_FRAME = pl.DataFrame(
    {"USUBJID": ["NCT03745417-01-001"], "QSTESTCD": ["ZSAS01"], "QSTEST": ["Anxious"]}
)
ADSL = DatasetSpec(
    "ADSL",
    "Subject-Level Analysis Dataset",
    "SUBJECT LEVEL ANALYSIS DATASET",
    "One record per subject",
    ("STUDYID", "USUBJID"),
    (
        Variable(
            "STUDYID", "Study Identifier", "text", "Req", origin="Predecessor", source="DM.STUDYID"
        ),
        Variable(
            "USUBJID",
            "Unique Subject Identifier",
            "text",
            "Req",
            origin="Predecessor",
            source="DM.USUBJID",
        ),
        Variable(
            "TRTSDT",
            "Date of First Exposure to Treatment",
            "date",
            "Exp",
            method="Date of first EX record",
        ),
        Variable(
            "SAFFL", "Safety Population Flag", "text", "Req", codelist="NY", method="Y if any dose"
        ),
    ),
)
ADSL_FRAME = pl.DataFrame(
    {
        "STUDYID": ["NCT03745417"],
        "USUBJID": ["NCT03745417-01-001"],
        "TRTSDT": [date(2024, 1, 8)],
        "SAFFL": ["Y"],
    }
)
ADPASI = DatasetSpec(
    "ADPASI",
    "PASI Analysis Dataset",
    "BASIC DATA STRUCTURE",
    "One record per subject per parameter per analysis visit",
    ("USUBJID", "PARAMCD", "AVISITN"),
    (
        Variable(
            "USUBJID",
            "Unique Subject Identifier",
            "text",
            "Req",
            origin="Predecessor",
            source="ADSL.USUBJID",
        ),
        Variable("PARAMCD", "Parameter Code", "text", "Req", codelist="PARAMCD", origin="Assigned"),
        Variable("PARAM", "Parameter", "text", "Req", origin="Assigned"),
        Variable("AVISITN", "Analysis Visit (N)", "float", "Req"),
        Variable(
            "AVAL", "Analysis Value", "float", "Exp", origin="Predecessor", source="RS.RSSTRESN"
        ),
        Variable("DTYPE", "Derivation Type", "text", "Perm", codelist="DTYPE", method="LOCF"),
    ),
)
ADPASI_FRAME = pl.DataFrame(
    {
        "USUBJID": ["NCT03745417-01-001"] * 2,
        "PARAMCD": ["PASITOT", "PASIIMP"],
        "PARAM": ["PASI total score", "PASI improvement (%)"],
        "AVISITN": [12.0, 12.0],
        "AVAL": [3.1, 75.0],
        "DTYPE": [None, "LOCF"],
    }
)


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol("nct03745417")


@pytest.fixture(scope="module")
def sdtm_xml(protocol: Protocol) -> bytes:
    return build_define(
        [RS, QS],
        purpose="Tabulation",
        protocol=protocol,
        frames={"RS": RS_FRAME, "QS": QS_FRAME},
        created=CREATED,
    )


@pytest.fixture(scope="module")
def adam_xml(protocol: Protocol) -> bytes:
    return build_define(
        [ADSL, ADPASI],
        purpose="Analysis",
        protocol=protocol,
        frames={"ADSL": ADSL_FRAME, "ADPASI": ADPASI_FRAME},
        created=CREATED,
    )


def tree(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def test_build_define_sdtm_is_valid(sdtm_xml: bytes) -> None:
    assert validate_define(sdtm_xml) == []


def test_build_define_adam_is_valid(adam_xml: bytes) -> None:
    assert validate_define(adam_xml) == []


def test_validate_define_reports_a_broken_document(sdtm_xml: bytes) -> None:
    root = tree(sdtm_xml)
    item = root.find(".//odm:ItemDef", NS)
    assert item is not None
    del item.attrib["DataType"]  # required by the schema
    problems = validate_define(etree.tostring(root))
    assert problems
    assert any("DataType" in p for p in problems)
    bad_type = sdtm_xml.replace(b'DataType="integer"', b'DataType="number"', 1)
    assert validate_define(bad_type) != []
    assert validate_define(b"<ODM")[0].startswith("not well-formed XML")


def test_build_define_standards(sdtm_xml: bytes, adam_xml: bytes) -> None:
    def standards(xml: bytes) -> list[tuple[str | None, ...]]:
        return [
            (s.get("Name"), s.get("PublishingSet"), s.get("Version"))
            for s in tree(xml).findall(".//def:Standard", NS)
        ]

    assert standards(sdtm_xml) == [("SDTMIG", None, "3.4"), ("CDISC/NCI", "SDTM", "2025-03-28")]
    assert standards(adam_xml)[0] == ("ADaMIG", None, "1.3")
    assert ("CDISC/NCI", "ADaM", "2024-03-29") in standards(adam_xml)


def test_build_define_item_group_keys_class_and_leaf(sdtm_xml: bytes) -> None:
    group = tree(sdtm_xml).find(".//odm:ItemGroupDef[@Name='RS']", NS)
    assert group is not None
    keys = {
        ref.get("ItemOID"): ref.get("KeySequence")
        for ref in group.findall("odm:ItemRef", NS)
        if ref.get("KeySequence")
    }
    assert keys == {
        "IT.RS.STUDYID": "1",
        "IT.RS.USUBJID": "2",
        "IT.RS.RSTESTCD": "3",
        "IT.RS.VISITNUM": "4",
    }
    assert group.get("Purpose") == "Tabulation"
    assert group.get("Domain") == "RS"
    assert group.find("def:Class", NS).get("Name") == "FINDINGS"  # type: ignore[union-attr]
    leaf = group.find("def:leaf", NS)
    assert leaf is not None
    assert leaf.get(f"{{{NS['xlink']}}}href") == "rs.xpt"
    orders = [int(ref.get("OrderNumber", "0")) for ref in group.findall("odm:ItemRef", NS)]
    assert orders == list(range(1, len(RS.variables) + 1))


def item(xml: bytes, oid: str) -> etree._Element:
    found = tree(xml).find(f".//odm:ItemDef[@OID='{oid}']", NS)
    assert found is not None, oid
    return found


def test_build_define_origins_trace_to_the_crf_and_methods(sdtm_xml: bytes) -> None:
    origin = item(sdtm_xml, "IT.RS.RSORRES").find("def:Origin", NS)
    assert origin is not None
    assert (origin.get("Type"), origin.get("Source")) == ("Collected", "Investigator")
    assert origin.findtext("odm:Description/odm:TranslatedText", namespaces=NS) == (
        "CRF item pasi.head.erythema"
    )
    root = tree(sdtm_xml)
    ref = root.find(".//odm:ItemGroupDef/odm:ItemRef[@ItemOID='IT.RS.USUBJID']", NS)
    assert ref is not None
    assert ref.get("MethodOID") == "MT.RS.USUBJID"
    method = root.find(".//odm:MethodDef[@OID='MT.RS.USUBJID']", NS)
    assert method is not None
    assert method.get("Type") == "Computation"
    assert "SUBJID" in (method.findtext("odm:Description/odm:TranslatedText", namespaces=NS) or "")


def test_build_define_types_and_lengths_match_the_xpt(tmp_path: Path, adam_xml: bytes) -> None:
    write_xpt(RS_FRAME, RS, tmp_path / "rs.xpt")
    _, meta = pyreadstat.read_xport(str(tmp_path / "rs.xpt"), metadataonly=True)
    xml = build_define(
        [RS],
        purpose="Tabulation",
        protocol=load_protocol("nct03745417"),
        frames={"RS": RS_FRAME},
        created=CREATED,
    )
    for variable in RS.variables:
        definition = item(xml, f"IT.RS.{variable.name}")
        if definition.get("DataType") == "text":
            assert int(definition.get("Length", "0")) == meta.variable_storage_width[variable.name]
    assert item(xml, "IT.RS.RSDTC").get("DataType") == "datetime"  # ISO 8601 text
    assert item(xml, "IT.RS.RSDTC").get("Length") is None
    trtsdt = item(adam_xml, "IT.ADSL.TRTSDT")
    assert (trtsdt.get("DataType"), trtsdt.get(f"{{{NS['def']}}}DisplayFormat")) == (
        "integer",
        "DATE9.",
    )


def codelist(xml: bytes, oid: str) -> etree._Element:
    found = tree(xml).find(f".//odm:CodeList[@OID='{oid}']", NS)
    assert found is not None, oid
    return found


def test_build_define_codelists_carry_nci_codes(sdtm_xml: bytes, adam_xml: bytes) -> None:
    cccat = codelist(sdtm_xml, "CL.CCCAT")
    assert cccat.find("odm:Alias", NS).get("Name") == "C118971"  # type: ignore[union-attr]
    term = cccat.find("odm:EnumeratedItem[@CodedValue='PASI FELDMAN']/odm:Alias", NS)
    assert term is not None
    assert (term.get("Context"), term.get("Name")) == (
        "nci:ExtCodeID",
        "C179972",
    )
    testcd = codelist(sdtm_xml, "CL.PASI02TC")
    decodes = {
        i.get("CodedValue"): i.findtext("odm:Decode/odm:TranslatedText", namespaces=NS)
        for i in testcd.findall("odm:CodeListItem", NS)
    }
    assert decodes == {"PASI0201": "Head Erythema <b>", "PASI0229": "PASI Total Score"}
    epoch = codelist(sdtm_xml, "CL.EPOCH")
    extended = epoch.find("odm:EnumeratedItem[@CodedValue='EXTENSION']", NS)
    assert extended is not None
    assert extended.get(f"{{{NS['def']}}}ExtendedValue") == "Yes"
    assert extended.find("odm:Alias", NS) is None
    dtype = codelist(adam_xml, "CL.DTYPE")
    assert dtype.get(f"{{{NS['def']}}}StandardOID") == "STD.CT.ADAM"


def test_build_define_sponsor_codelist_is_non_standard(sdtm_xml: bytes) -> None:
    zung = codelist(sdtm_xml, "CL.ZUNGSAS")
    assert zung.get(f"{{{NS['def']}}}IsNonStandard") == "Yes"
    assert zung.find("odm:Alias", NS) is None
    assert [i.get("CodedValue") for i in zung.findall("odm:CodeListItem", NS)] == ["ZSAS01"]


def test_build_define_value_level_per_test_code(sdtm_xml: bytes, adam_xml: bytes) -> None:
    root = tree(sdtm_xml)
    vlm = root.find(".//def:ValueListDef[@OID='VL.RS.RSORRES']", NS)
    assert vlm is not None
    assert [r.get("ItemOID") for r in vlm.findall("odm:ItemRef", NS)] == [
        "IT.RS.RSORRES.PASI0201",
        "IT.RS.RSORRES.PASI0229",
    ]
    assert item(sdtm_xml, "IT.RS.RSORRES.PASI0201").get("DataType") == "integer"
    total = item(sdtm_xml, "IT.RS.RSORRES.PASI0229")
    assert (total.get("DataType"), total.get("SignificantDigits"), total.get("Length")) == (
        "float",
        "1",
        "4",
    )
    where = root.find(".//def:WhereClauseDef[@OID='WC.RS.RSTESTCD.PASI0229']/odm:RangeCheck", NS)
    assert where is not None
    assert (where.get("Comparator"), where.get(f"{{{NS['def']}}}ItemOID")) == (
        "EQ",
        "IT.RS.RSTESTCD",
    )
    assert where.findtext("odm:CheckValue", namespaces=NS) == "PASI0229"
    ref = item(sdtm_xml, "IT.RS.RSORRES").find("def:ValueListRef", NS)
    assert ref is not None
    assert ref.get("ValueListOID") == "VL.RS.RSORRES"
    assert item(adam_xml, "IT.ADPASI.AVAL.PASIIMP").get("DataType") == "integer"
    assert item(adam_xml, "IT.ADPASI.AVAL.PASITOT").get("DataType") == "float"


def test_render_define_html_escapes_and_lists_every_dataset(sdtm_xml: bytes) -> None:
    page = render_define_html(sdtm_xml)
    assert page.startswith("<!DOCTYPE html>")
    assert 'id="RS"' in page
    assert 'id="QS"' in page
    assert "Head Erythema &lt;b&gt;" in page
    assert "<b>" not in page
    assert "CRF item pasi.head.erythema" in page
    assert "STUDYID, USUBJID, RSTESTCD, VISITNUM" in page
    assert "<link" not in page
    assert "<script" not in page
    assert ".xsl" not in page


def test_build_define_refuses_an_unknown_purpose(protocol: Protocol) -> None:
    from psotrial.errors import FieldError

    with pytest.raises(FieldError, match="expected Tabulation or Analysis, got 'Other'"):
        build_define([RS], purpose="Other", protocol=protocol)  # type: ignore[arg-type]


def test_build_define_without_frames_lists_all_terms(protocol: Protocol) -> None:
    xml = build_define([ADSL], purpose="Analysis", protocol=protocol, created=CREATED)
    assert validate_define(xml) == []
    values = {i.get("CodedValue") for i in codelist(xml, "CL.NY").findall("odm:EnumeratedItem", NS)}
    assert {"Y", "N"} <= values
    assert item(xml, "IT.ADSL.STUDYID").get("Length") == "200"  # no data, no spec length
