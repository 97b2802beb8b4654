"""Tests for psotrial.instruments.ctcae (CTCAE v5.0 lab grades).

External vectors come from pharmaverse/admiral ``tests/testthat/test-derive_var_atoxgr.R``,
read at commit 012d2fca9d053734eea0005f83d6b4ebcaaa7c70 and cited by tribble and test name
(in that file ``expected_anemia_si`` is lines 105-129). domain.md §7.1 cites the same tables
at other line numbers: Anemia 142-171, ALT 362-450, Creatinine 1069-1128, Hb increased
1467-1535, Platelets 2016-2050, WBC 2198-2230, Hypercalcemia 2280-2320, Hypocalcemia 3110-3150.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import IncompleteResponsesError, ResponseOutOfRangeError
from psotrial.instruments.ctcae import CTCAE_VERSION, LAB_TESTS, LabGrade, compute_lab_grades

SI_UNIT = {
    "PLT": "10^9/L",
    "WBC": "10^9/L",
    "HGB": "g/L",
    "AST": "U/L",
    "ALT": "U/L",
    "CREAT": "umol/L",
    "CA": "mmol/L",
}
PLT, WBC = "Platelet count decreased", "White blood cell decreased"
ANEMIA, HB_UP = "Anemia", "Hemoglobin increased"
AST, ALT, CREAT = (
    "Aspartate aminotransferase increased",
    "Alanine aminotransferase increased",
    "Creatinine increased",
)
CA_UP, CA_DOWN = "Hypercalcemia", "Hypocalcemia"
INCREASES = {HB_UP, AST, ALT, CREAT, CA_UP}


def grade_of(test: str, value: object, term: str, **kw: Any) -> int | None:
    """The grade of ``term``; ``unit`` defaults to the test's SI unit."""
    unit = kw.pop("unit", SI_UNIT[test])
    grades = {g.term: g for g in compute_lab_grades(test, value, unit, **kw)}
    return grades[term].grade


# (test, value, keyword arguments, term, expected grade)
Row = tuple[str, object, dict[str, object], str, int | None]

DOMAIN_BOUNDARIES: list[Row] = [
    # domain.md §7.1 "Boundary semantics"
    ("PLT", 75, {"lln": 150}, PLT, 1),
    ("PLT", 74, {"lln": 150}, PLT, 2),
    ("PLT", 50, {"lln": 150}, PLT, 2),
    ("PLT", 49, {"lln": 150}, PLT, 3),
    ("PLT", 25, {"lln": 150}, PLT, 3),
    ("PLT", 24, {"lln": 150}, PLT, 4),
    ("WBC", "3.0", {"lln": "4.0"}, WBC, 1),
    ("WBC", "2.9", {"lln": "4.0"}, WBC, 2),
    ("ALT", 120, {"uln": 40}, ALT, 1),
    ("ALT", 121, {"uln": 40}, ALT, 2),
    ("ALT", 200, {"uln": 40}, ALT, 2),
    ("ALT", 201, {"uln": 40}, ALT, 3),
    ("ALT", 800, {"uln": 40}, ALT, 3),
    ("ALT", 801, {"uln": 40}, ALT, 4),
    ("ALT", 40, {"uln": 40}, ALT, 0),
    ("CA", "2.0", {"lln": "2.1"}, CA_DOWN, 1),
    ("CA", "1.9", {"lln": "2.1"}, CA_DOWN, 2),
    ("CA", "1.75", {"lln": "2.1"}, CA_DOWN, 2),
    ("CA", "1.74", {"lln": "2.1"}, CA_DOWN, 3),
    ("CA", "1.5", {"lln": "2.1"}, CA_DOWN, 3),
    ("CA", "1.4", {"lln": "2.1"}, CA_DOWN, 4),
    ("CA", "2.6", {"uln": "2.5"}, CA_UP, 1),
    ("CA", "2.9", {"uln": "2.5"}, CA_UP, 1),
    ("CA", "3.0", {"uln": "2.5"}, CA_UP, 2),
    ("CA", "3.1", {"uln": "2.5"}, CA_UP, 2),
    ("CA", "3.2", {"uln": "2.5"}, CA_UP, 3),
    ("CA", "3.4", {"uln": "2.5"}, CA_UP, 3),
    ("CA", "3.5", {"uln": "2.5"}, CA_UP, 4),
    ("HGB", 100, {"lln": 140}, ANEMIA, 1),
    ("HGB", 99, {"lln": 140}, ANEMIA, 2),
    ("HGB", 80, {"lln": 140}, ANEMIA, 2),
    ("HGB", 79, {"lln": 140}, ANEMIA, 3),
]

ADMIRAL_VECTORS: list[Row] = [
    # expected_anemia_si (Test 6a, CTCAEv5 Anemia SI)
    ("HGB", 79, {"lln": 140}, ANEMIA, 3),
    ("HGB", 80, {"lln": 140}, ANEMIA, 2),
    ("HGB", 139, {"lln": 140}, ANEMIA, 1),
    ("HGB", 140, {"lln": 140}, ANEMIA, 0),
    ("HGB", 140, {}, ANEMIA, None),
    ("HGB", 100, {}, ANEMIA, None),
    ("HGB", 99, {}, ANEMIA, 2),
    ("HGB", 79, {}, ANEMIA, 3),
    # expected_plate_si (Test 46a, CTCAEv5 Platelet count decreased SI)
    ("PLT", 24, {"lln": 100}, PLT, 4),
    ("PLT", 75, {"lln": 100}, PLT, 1),
    ("PLT", 99, {"lln": 100}, PLT, 1),
    ("PLT", 100, {"lln": 100}, PLT, 0),
    ("PLT", 24, {}, PLT, 4),
    ("PLT", 74, {}, PLT, 2),
    ("PLT", 75, {}, PLT, None),
    ("PLT", 100, {}, PLT, None),
    # expected_wbcd (Test 50a, CTCAEv5 White blood cell decreased SI)
    ("WBC", 0.9, {"lln": 5}, WBC, 4),
    ("WBC", 1, {"lln": 5}, WBC, 3),
    ("WBC", 1.9, {"lln": 5}, WBC, 3),
    ("WBC", 2, {"lln": 5}, WBC, 2),
    ("WBC", 4.9, {"lln": 5}, WBC, 1),
    ("WBC", 5, {"lln": 5}, WBC, 0),
    ("WBC", 2.9, {}, WBC, 2),
    ("WBC", 3, {}, WBC, None),
    # expected_alt_ctcv4 with BASE = ANRHI, BNRIND NORMAL (Test 12a, CTCAEv5 ALT)
    ("ALT", 41, {"uln": 40, "baseline": 40}, ALT, 1),
    ("ALT", 801, {"uln": 40, "baseline": 40}, ALT, 4),
    ("ALT", 100, {"baseline": 40}, ALT, None),
    # expected_alt_ctcv5_abn: BASE 40, ANRHI = BASE - 1, BNRIND HIGH (Test 12a)
    ("ALT", 801, {"uln": 39, "baseline": 40}, ALT, 4),
    ("ALT", 800, {"uln": 39, "baseline": 40}, ALT, 3),
    ("ALT", 201, {"uln": 39, "baseline": 40}, ALT, 3),
    ("ALT", 200, {"uln": 39, "baseline": 40}, ALT, 2),
    ("ALT", 121, {"uln": 39, "baseline": 40}, ALT, 2),
    ("ALT", 120, {"uln": 39, "baseline": 40}, ALT, 1),
    ("ALT", 60, {"uln": 39, "baseline": 40}, ALT, 1),
    ("ALT", 59, {"uln": 39, "baseline": 40}, ALT, 0),
    # AST has the same v5 criteria as ALT in ncictcaev5.json
    ("AST", 121, {"uln": 40}, AST, 2),
    ("AST", 60, {"uln": 39, "baseline": 40}, AST, 1),
    ("AST", 59, {"uln": 39, "baseline": 40}, AST, 0),
    # expected_creatn rows with V5 == "Y" (Test 26a, CTCAEv5 Creatinine increased)
    ("CREAT", 241, {"uln": 40, "baseline": 241}, CREAT, 4),
    ("CREAT", 240, {"uln": 40, "baseline": 230}, CREAT, 3),
    ("CREAT", 121, {"uln": 40, "baseline": 120}, CREAT, 3),
    ("CREAT", 120, {"uln": 40, "baseline": 119}, CREAT, 2),
    ("CREAT", 61, {"uln": 40, "baseline": 60}, CREAT, 2),
    ("CREAT", 60, {"uln": 40, "baseline": 60}, CREAT, 1),
    ("CREAT", 41, {"uln": 40, "baseline": 41}, CREAT, 1),
    ("CREAT", 40, {"uln": 40, "baseline": 40}, CREAT, 0),
    ("CREAT", 42, {"uln": 40, "baseline": 6}, CREAT, 3),
    ("CREAT", 42, {"uln": 40, "baseline": 13.9}, CREAT, 3),
    ("CREAT", 42, {"uln": 40, "baseline": 14}, CREAT, 2),
    ("CREAT", 42.1, {"uln": 40, "baseline": 28}, CREAT, 2),
    ("CREAT", 42, {"baseline": 42}, CREAT, None),
    # expected_hgbi_si rows with V5 == "Y": BASE 60 <= ANRHI 65 (Test 34a)
    ("HGB", 106, {"uln": 65, "baseline": 60}, HB_UP, 3),
    ("HGB", 105, {"uln": 65, "baseline": 60}, HB_UP, 2),
    ("HGB", 86, {"uln": 65, "baseline": 60}, HB_UP, 2),
    ("HGB", 85, {"uln": 65, "baseline": 60}, HB_UP, 1),
    ("HGB", 66, {"uln": 65, "baseline": 60}, HB_UP, 1),
    ("HGB", 65, {"uln": 65, "baseline": 60}, HB_UP, 0),
    ("HGB", 200, {"baseline": 60}, HB_UP, None),
    # expected_hgbi_si BASE 65 > ANRHI 60 (TESTNUM 3-8): admiral's v4 criteria (Test 33a),
    # which this module follows for baseline > ULN; admiral's v5 JSON would use the ULN
    ("HGB", 106, {"uln": 60, "baseline": 65}, HB_UP, 3),
    ("HGB", 105, {"uln": 60, "baseline": 65}, HB_UP, 2),
    ("HGB", 86, {"uln": 60, "baseline": 65}, HB_UP, 2),
    ("HGB", 85, {"uln": 60, "baseline": 65}, HB_UP, 1),
    ("HGB", 66, {"uln": 60, "baseline": 65}, HB_UP, 1),
    ("HGB", 65, {"uln": 60, "baseline": 65}, HB_UP, 0),
    # expected_hgbi_si BASE missing (TESTNUM 17-22)
    ("HGB", 106, {"uln": 65}, HB_UP, 3),
    ("HGB", 85, {"uln": 65}, HB_UP, 1),
    ("HGB", 65, {"uln": 65}, HB_UP, 0),
    # expected_calci_si (Test 52a, CTCAEv5 Hypercalcemia SI)
    ("CA", 3.5, {"uln": 2.5}, CA_UP, 4),
    ("CA", 3, {"uln": 2.5}, CA_UP, 2),
    ("CA", 2.5, {"uln": 2.5}, CA_UP, 0),
    ("CA", 3.5, {}, CA_UP, 4),
    ("CA", 3.4, {}, CA_UP, 3),
    ("CA", 3.1, {}, CA_UP, 2),
    ("CA", 2.9, {}, CA_UP, None),
    ("CA", 2.5, {}, CA_UP, None),
    # expected_calcd_si with ANRLO 4 (Test 70a, CTCAEv5 Hypocalcemia SI)
    ("CA", 1.4, {"lln": 4}, CA_DOWN, 4),
    ("CA", 1.5, {"lln": 4}, CA_DOWN, 3),
    ("CA", 1.74, {"lln": 4}, CA_DOWN, 3),
    ("CA", 1.75, {"lln": 4}, CA_DOWN, 2),
    ("CA", 1.9, {"lln": 4}, CA_DOWN, 2),
    ("CA", 2, {"lln": 4}, CA_DOWN, 1),
    ("CA", 3, {"lln": 4}, CA_DOWN, 1),
    ("CA", 4, {"lln": 4}, CA_DOWN, 0),
]


def _params(rows: list[Row]) -> list[Any]:
    return [
        pytest.param(test, value, kw, term, expected, id=f"{term}-{value}-{kw}")
        for test, value, kw, term, expected in rows
    ]


@pytest.mark.parametrize(("test", "value", "kw", "term", "expected"), _params(DOMAIN_BOUNDARIES))
def test_compute_lab_grades_domain_boundaries(
    test: str, value: object, kw: dict[str, object], term: str, expected: int | None
) -> None:
    assert grade_of(test, value, term, **kw) == expected


@pytest.mark.parametrize(("test", "value", "kw", "term", "expected"), _params(ADMIRAL_VECTORS))
def test_compute_lab_grades_admiral_vectors(
    test: str, value: object, kw: dict[str, object], term: str, expected: int | None
) -> None:
    assert grade_of(test, value, term, **kw) == expected


def test_compute_lab_grades_returns_every_term_of_the_test_in_order() -> None:
    grades = compute_lab_grades("CA", "2.2", "mmol/L", lln="2.1", uln="2.6")
    assert [g.to_dict() for g in grades] == [
        {"term": CA_UP, "grade": 0},
        {"term": CA_DOWN, "grade": 0},
    ]


def test_lab_tests_names_every_term_as_in_ctcae_term_list() -> None:
    # Spellings checked against /work/shared/data/ctcae-v5-terms.csv (tox_desc).
    assert dict(LAB_TESTS) == {
        "PLT": (PLT,),
        "WBC": (WBC,),
        "HGB": (ANEMIA, HB_UP),
        "AST": (AST,),
        "ALT": (ALT,),
        "CREAT": (CREAT,),
        "CA": (CA_UP, CA_DOWN),
    }
    assert CTCAE_VERSION == "5.0"


def test_lab_grade_to_dict_holds_term_and_grade_only() -> None:
    assert LabGrade(PLT, None, "why").to_dict() == {"term": PLT, "grade": None}


def test_compute_lab_grades_reason_names_value_and_threshold() -> None:
    (plt,) = compute_lab_grades("PLT", 74, "10^9/L", lln=150)
    assert plt.reason == "grade 2: 74 10^9/L < 75 10^9/L"
    (alt,) = compute_lab_grades("ALT", 60, "U/L", uln=39, baseline=40)
    assert alt.reason == "grade 1: 60 U/L ≥ 1.5 × baseline = 60 U/L (baseline 40 > ULN 39 U/L)"


def test_compute_lab_grades_unknown_test_lists_tests() -> None:
    with pytest.raises(ResponseOutOfRangeError) as info:
        compute_lab_grades("NEUT", 1, "10^9/L")
    assert info.value.field == "test"
    assert "'NEUT'" in info.value.msg
    for code in LAB_TESTS:
        assert code in info.value.msg


@pytest.mark.parametrize(
    ("test", "unit"),
    [
        ("PLT", "10^3/uL"),
        ("WBC", "/mm3"),
        ("HGB", "G/L"),
        ("HGB", "mmol/L"),
        ("ALT", "ukat/L"),
        ("CREAT", "mg/dL"),
        ("CA", "mg/dL"),
    ],
)
def test_compute_lab_grades_unknown_unit_lists_accepted_units(test: str, unit: str) -> None:
    with pytest.raises(ResponseOutOfRangeError) as info:
        compute_lab_grades(test, 1, unit)
    assert info.value.field == "unit"
    assert repr(unit) in info.value.msg
    assert SI_UNIT[test] in info.value.msg


@pytest.mark.parametrize(
    ("test", "unit"),
    [
        ("PLT", "10*9/L"),
        ("PLT", "x10^9/L"),
        ("PLT", "10E9/L"),
        ("WBC", "G/L"),
        ("AST", "IU/L"),
        ("CREAT", "µmol/L"),
        ("CREAT", "μmol/L"),
    ],
)
def test_compute_lab_grades_accepts_unit_spellings(test: str, unit: str) -> None:
    kw: dict[str, object] = {"lln": 150, "uln": 40}
    expected = compute_lab_grades(test, 30, SI_UNIT[test], **kw)
    assert [g.grade for g in compute_lab_grades(test, 30, unit, **kw)] == [
        g.grade for g in expected
    ]


@pytest.mark.parametrize(
    ("value", "term", "expected"),
    [
        ("10.0", ANEMIA, 1),
        ("9.9", ANEMIA, 2),
        ("8.0", ANEMIA, 2),
        ("7.9", ANEMIA, 3),
        ("19.5", HB_UP, 1),
        ("19.51", HB_UP, 2),
        ("21.5", HB_UP, 2),
        ("21.51", HB_UP, 3),
    ],
)
def test_compute_lab_grades_converts_g_dl_to_g_l_exactly(
    value: str, term: str, expected: int
) -> None:
    assert grade_of("HGB", value, term, unit="g/dL", lln="14.0", uln="17.5") == expected


def test_compute_lab_grades_reason_shows_g_dl_conversion() -> None:
    anemia, _ = compute_lab_grades("HGB", 9.9, "g/dL", lln=14, uln=17.5)
    assert anemia.reason == "grade 2: 99 g/L (= 9.9 g/dL) < 100 g/L"


@pytest.mark.parametrize(
    ("total", "albumin", "term", "expected"),
    [
        # 1.8 + 0.02 x (40 - 30) = 2.0 exactly: not below 2.0, so grade 1 (LLN 2.1)
        (1.8, 30, CA_DOWN, 1),
        (1.79, 30, CA_DOWN, 2),
        # 2.7 + 0.2 is 2.9000000000000004 in binary floats; exactly 2.9 here, so grade 1
        (2.7, 30, CA_UP, 1),
        (2.71, 30, CA_UP, 2),
        # albumin above 40 g/L lowers the corrected value: 3.0 total -> 2.8 corrected
        (3.0, 50, CA_UP, 1),
        (3.0, None, CA_UP, 2),
        # at albumin 40 g/L corrected equals total
        (1.74, 40, CA_DOWN, 3),
    ],
)
def test_compute_lab_grades_payne_correction_boundary(
    total: float, albumin: int | None, term: str, expected: int
) -> None:
    kw = {"lln": 2.1, "uln": 2.5, "albumin_g_l": albumin}
    assert grade_of("CA", total, term, **kw) == expected


def test_compute_lab_grades_reason_says_calcium_was_corrected() -> None:
    _, hypo = compute_lab_grades("CA", 1.79, "mmol/L", lln=2.1, albumin_g_l=30)
    assert hypo.reason.startswith("grade 2: corrected calcium 1.99 mmol/L (Payne: total 1.79")
    _, plain = compute_lab_grades("CA", 1.79, "mmol/L", lln=2.1)
    assert "corrected" not in plain.reason


@pytest.mark.parametrize(
    ("test", "value", "kw", "term", "missing"),
    [
        ("PLT", 100, {}, PLT, "LLN"),
        ("WBC", "3.5", {"uln": 10}, WBC, "LLN"),
        ("CA", "2.8", {"lln": "2.1"}, CA_UP, "ULN"),
        ("ALT", 5000, {"baseline": 40}, ALT, "ULN"),
        ("HGB", 200, {"lln": 120}, HB_UP, "ULN"),
        ("CREAT", 50, {"baseline": 40}, CREAT, "ULN"),
    ],
)
def test_compute_lab_grades_without_reference_range_is_none_with_reason(
    test: str, value: object, kw: dict[str, object], term: str, missing: str
) -> None:
    (grade,) = [g for g in compute_lab_grades(test, value, SI_UNIT[test], **kw) if g.term == term]
    assert grade.grade is None
    assert grade.reason.startswith(f"not graded: {missing} not given")


def test_compute_lab_grades_creatinine_without_uln_grades_from_baseline() -> None:
    (grade,) = compute_lab_grades("CREAT", 61, "umol/L", baseline=40)
    assert grade.grade == 2
    assert "ULN not given, so criteria needing it were not checked" in grade.reason


def test_compute_lab_grades_creatinine_without_baseline_uses_uln() -> None:
    assert grade_of("CREAT", 42, CREAT, uln=42) == 0
    assert grade_of("CREAT", 61, CREAT, uln=40) == 2


def test_compute_lab_grades_aminotransferase_baseline_at_uln_is_normal() -> None:
    # baseline == ULN is not "abnormal": x ULN criteria, so 41 > ULN 40 is grade 1
    assert grade_of("ALT", 41, ALT, uln=40, baseline=40) == 1
    # baseline 41 > ULN 40 is abnormal: 41 < 1.5 x 41, grade 0
    assert grade_of("ALT", 41, ALT, uln=40, baseline=41) == 0


def test_compute_lab_grades_anemia_grade_4_is_never_assigned_from_value() -> None:
    anemia, _ = compute_lab_grades("HGB", 30, "g/L", lln=120, uln=160)
    assert anemia.grade == 3
    assert "grade 4" in anemia.reason
    assert "clinical judgement" in anemia.reason


def test_compute_lab_grades_calcium_grade_4_is_assigned_from_value() -> None:
    up, down = compute_lab_grades("CA", "1.49", "mmol/L")
    assert (up.grade, down.grade) == (None, 4)
    assert grade_of("CA", "3.41", CA_UP) == 4


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"value": "abc"}, "value"),
        ({"value": -1}, "value"),
        ({"value": float("nan")}, "value"),
        ({"value": True}, "value"),
        ({"value": 100, "lln": -5}, "lln"),
        ({"value": 100, "uln": "x"}, "uln"),
        ({"value": 100, "baseline": float("inf")}, "baseline"),
    ],
)
def test_compute_lab_grades_rejects_malformed_numbers(kw: dict[str, Any], field: str) -> None:
    value = kw.pop("value")
    with pytest.raises(ResponseOutOfRangeError) as info:
        compute_lab_grades("PLT", value, "10^9/L", **kw)
    assert info.value.field == field


def test_compute_lab_grades_rejects_negative_albumin() -> None:
    with pytest.raises(ResponseOutOfRangeError) as info:
        compute_lab_grades("CA", "2.2", "mmol/L", albumin_g_l=-1)
    assert info.value.field == "albumin_g_l"


def test_compute_lab_grades_requires_a_value() -> None:
    with pytest.raises(IncompleteResponsesError) as info:
        compute_lab_grades("PLT", None, "10^9/L")
    assert info.value.field == "value"


# Value ranges that cover every threshold of each test.
SCALE = {"PLT": 400, "WBC": 15, "HGB": 250, "AST": 2000, "ALT": 2000, "CREAT": 800, "CA": 5}


@given(data=st.data())
def test_compute_lab_grades_is_monotone_in_value(data: st.DataObject) -> None:
    test = data.draw(st.sampled_from(sorted(LAB_TESTS)))
    number = st.decimals(min_value=0, max_value=SCALE[test], places=2)
    optional = st.none() | number
    kw = {"lln": data.draw(optional), "uln": data.draw(optional), "baseline": data.draw(optional)}
    if test == "CA":
        kw["albumin_g_l"] = data.draw(st.none() | st.decimals(min_value=10, max_value=60, places=1))
    low, high = sorted([data.draw(number), data.draw(number)])
    for at_low, at_high in zip(
        compute_lab_grades(test, low, SI_UNIT[test], **kw),
        compute_lab_grades(test, high, SI_UNIT[test], **kw),
        strict=True,
    ):
        worse, better = (at_high, at_low) if at_low.term in INCREASES else (at_low, at_high)
        if worse.grade is not None and better.grade is not None:
            assert worse.grade >= better.grade
        # None means "0 or 1": a decided grade >= 2 stays decided as the value worsens
        if better.grade is not None and better.grade >= 2:
            assert worse.grade is not None
            assert worse.grade >= better.grade


def test_compute_lab_grades_compares_floats_by_their_decimal_repr() -> None:
    # 0.1 * 3 is 0.30000000000000004 in floats; the threshold 3 x ULN 0.1 is exactly 0.3
    assert grade_of("ALT", Decimal("0.3"), ALT, uln=0.1) == 1
    assert grade_of("ALT", 0.30000000000000004, ALT, uln=0.1) == 2
