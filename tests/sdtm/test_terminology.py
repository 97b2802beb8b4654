"""The terminology model (lookup, extensibility) and the vendored CT subset itself."""

from __future__ import annotations

import json
from importlib.resources import files

import pytest

from psotrial.errors import ConfigError, NotFoundError
from psotrial.exchange.terminology import CT_FILE, load_terminology
from psotrial.sdtm.terminology import Codelist, Term, Terminology, parse_terminology

SEX = Codelist(
    "C66731", "SEX", "Sex", False, (Term("C16576", "F", ("Female",)), Term("C20197", "M"))
)
EPOCH = Codelist("C99079", "EPOCH", "Epoch", True, (Term("C202487", "SCREENING"),))
SMALL = Terminology("test", (SEX, EPOCH))


@pytest.mark.parametrize(
    ("key", "value", "membership", "member"),
    [
        ("SEX", "F", "term", True),
        ("C66731", "M", "term", True),
        ("SEX", "X", "invalid", False),
        ("SEX", "f", "invalid", False),  # submission values are case-sensitive
        ("SEX", "Female", "invalid", False),  # a synonym is not a submission value
        ("EPOCH", "SCREENING", "term", True),
        ("EPOCH", "RUN-OUT", "extension", True),  # extensible: a sponsor value is allowed
        ("C99079", "RUN-OUT", "extension", True),
    ],
)
def test_terminology_membership_honours_extensibility(
    key: str, value: str, membership: str, member: bool
) -> None:
    assert SMALL.codelist(key).classify(value) == membership
    assert SMALL.is_member(key, value) is member


def test_terminology_looks_up_by_code_and_short_name() -> None:
    assert SMALL.codelist("C66731") is SMALL.codelist("SEX") is SEX
    assert SMALL.get("NOPE") is None
    assert "EPOCH" in SMALL
    assert SEX.term("F") == Term("C16576", "F", ("Female",))
    assert SEX.term("X") is None


def test_terminology_unknown_codelist_names_the_choices() -> None:
    with pytest.raises(
        NotFoundError, match=r"unknown codelist 'NOPE'; expected one of: EPOCH, SEX"
    ):
        SMALL.codelist("NOPE")


def test_terminology_refuses_two_codelists_with_one_name() -> None:
    clash = Codelist("C99999", "SEX", "Another", True, ())
    with pytest.raises(ConfigError, match="'SEX' names two codelists"):
        Terminology("test", (SEX, clash))


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"codelists": []}', "'version' must be a str"),
        ('{"version": "x"}', "'codelists' must be a list"),
        ('{"version": "x", "codelists": [{"code": "C1"}]}', r"codelists\[0\]: 'short_name'"),
        (
            '{"version": "x", "codelists": [{"code": "C1", "short_name": "A", "name": "A",'
            ' "extensible": "No", "terms": []}]}',
            "'extensible' must be a bool",
        ),
        (
            '{"version": "x", "codelists": [{"code": "C1", "short_name": "A", "name": "A",'
            ' "extensible": false, "terms": [["C2", "Y"]]}]}',
            r"terms\[0\]: expected \[code, submission value, \[synonyms\]\]",
        ),
    ],
)
def test_parse_terminology_refuses_malformed_documents(document: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_terminology(document)


def test_parse_terminology_takes_text_or_the_parsed_document() -> None:
    document = {
        "version": "2025-03-28",
        "codelists": [
            {
                "code": "C66742",
                "short_name": "NY",
                "name": "No Yes Response",
                "extensible": False,
                "terms": [["C49488", "Y", ["Yes"]]],
            }
        ],
    }
    assert parse_terminology(document) == parse_terminology(json.dumps(document))
    assert parse_terminology(document).codelist("NY").complete


# docs/cdisc.md section 7.2: codelist (short name, C-code, extensible) and a term with its
# C-code, verified there against the NCI file; the ADaM ones from ADaM CT.
NEEDED = [
    ("NY", "C66742", False, "Y", "C49488"),
    ("NY", "C66742", False, "N", "C49487"),
    ("SEX", "C66731", False, "F", "C16576"),
    ("RACE", "C74457", False, "ASIAN", "C41260"),
    ("ETHNIC", "C66790", False, "NOT HISPANIC OR LATINO", "C41222"),
    ("AGEU", "C66781", False, "YEARS", "C29848"),
    ("ROUTE", "C66729", True, "INTRAVENOUS", "C38276"),
    ("FRM", "C66726", True, "SUSPENSION", "C42994"),
    ("UNIT", "C71620", True, "10^6/kg", "C198380"),
    ("UNIT", "C71620", True, "mmol/L", "C64387"),
    ("FREQ", "C71113", True, "ONCE", "C64576"),
    ("AESEV", "C66769", False, "MODERATE", "C41339"),
    ("OUT", "C66768", False, "RECOVERED/RESOLVED", "C49498"),
    ("ACN", "C66767", False, "DOSE NOT CHANGED", "C49504"),
    ("EPOCH", "C99079", True, "SCREENING", "C202487"),
    ("EPOCH", "C99079", True, "TREATMENT", "C101526"),
    ("EPOCH", "C99079", True, "FOLLOW-UP", "C202578"),
    ("NCOMPLT", "C66727", True, "COMPLETED", "C25250"),
    ("IECAT", "C66797", False, "INCLUSION", "C25532"),
    ("ND", "C66789", False, "NOT DONE", "C49484"),
    ("LBTESTCD", "C65047", True, "CYSTATC", "C92290"),
    ("LBTESTCD", "C65047", True, "PLAT", "C51951"),
    ("VSTESTCD", "C66741", True, "WEIGHT", "C25208"),
    ("CCCAT", "C118971", True, "PASI FELDMAN", "C179972"),
    ("METHOD", "C85492", True, "PALM METHOD", "C154793"),
    ("DOMAIN", "C66734", True, "RS", "C107097"),
    ("DTYPE", "C81224", True, "LOCF", "C81198"),
    ("PARAMTYP", "C81225", False, "DERIVED", "C81197"),
]


@pytest.mark.parametrize(("short", "code", "extensible", "value", "term_code"), NEEDED)
def test_vendored_ct_has_the_codelists_the_study_needs(
    short: str, code: str, extensible: bool, value: str, term_code: str
) -> None:
    codelist = load_terminology().codelist(short)
    assert (codelist.code, codelist.extensible) == (code, extensible)
    term = codelist.term(value)
    assert term is not None
    assert term.code == term_code


def test_vendored_ct_has_every_pasi_and_dlqi_test_code() -> None:
    ct = load_terminology()
    pasi = ct.codelist("PASI02TC").values
    assert [f"PASI02{n:02d}" for n in range(1, 30)] == sorted(pasi)
    # DLQI101-DLQI117 with item 7 split into DLQI107 and DLQI107A, as captured here
    dlqi = [f"DLQI1{n:02d}" for n in range(1, 18)]
    assert sorted(ct.codelist("DLQI1TC").values) == sorted([*dlqi, "DLQI107A"])
    assert not ct.codelist("PASI02TC").extensible


def test_vendored_ct_is_small_and_records_its_source() -> None:
    resource = files("psotrial").joinpath("data", CT_FILE)
    assert len(resource.read_bytes()) < 300 * 1024
    ct = load_terminology()
    assert ct.version == "2025-03-28"
    assert "NCI" in ct.source
    readme = files("psotrial").joinpath("data", "README.md").read_text(encoding="utf-8")
    assert CT_FILE in readme
