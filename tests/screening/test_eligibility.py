"""Eligibility on the NCT03745417 criteria: every machine rule on both sides of its boundary."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psotrial.errors import FieldError, FieldErrors
from psotrial.protocol import load_protocol
from psotrial.screening import evaluate_eligibility, read_screening_record
from psotrial.screening.schema import build_example_record

PROTOCOL = load_protocol("nct03745417")

Record = dict[str, Any]


def example() -> Record:
    return copy.deepcopy(build_example_record(PROTOCOL))


def evaluate(record: Record) -> dict[str, Any]:
    result = evaluate_eligibility(PROTOCOL, read_screening_record(PROTOCOL, record))
    return result.to_dict()


def status_of(record: Record, criterion: str) -> str:
    [found] = [c for c in evaluate(record)["criteria"] if c["id"] == criterion]
    return str(found["status"])


def test_evaluate_eligibility_example_record_is_eligible() -> None:
    result = evaluate(example())
    assert result["eligible"] is True
    assert [c["status"] for c in result["criteria"]] == ["met"] * len(PROTOCOL.criteria)
    assert [c["id"] for c in result["criteria"]] == [c.id for c in PROTOCOL.criteria]


def set_pasi(
    record: Record, head: tuple[int, int, int, int], trunk: tuple[int, int, int, int]
) -> None:
    """Head and trunk signs and area %, other regions clear."""
    pasi: dict[str, Any] = {}
    for region, (e, i, d, area) in (
        ("head", head),
        ("upper_limbs", (0, 0, 0, 0)),
        ("trunk", trunk),
        ("lower_limbs", (0, 0, 0, 0)),
    ):
        pasi[region] = {"erythema": e, "induration": i, "desquamation": d, "area_pct": area}
    record["forms"]["pasi"] = pasi


def set_bsa(record: Record, head: str, trunk: str) -> None:
    record["forms"]["bsa"] = {
        "head": Decimal(head),
        "upper_limbs": 0,
        "trunk": Decimal(trunk),
        "lower_limbs": 0,
    }


# PASI x10 = 1*S_head*A_head + 3*S_trunk*A_trunk: (4+4+2)*1 + 3*10*2 = 70; (4+4+3)*1 + 60 = 71.
PASI_7_0 = ((4, 4, 2, 5), (4, 3, 3, 15))
PASI_7_1 = ((4, 4, 3, 5), (4, 3, 3, 15))


@pytest.mark.parametrize(
    ("pasi", "bsa", "expected"),
    [
        (PASI_7_0, ("0.5", "4.5"), "not_met"),  # PASI 7.0, BSA 5%: neither > 7 nor > 10
        (PASI_7_1, ("0.5", "4.5"), "met"),  # PASI 7.1 > 7
        (PASI_7_0, ("1", "9"), "not_met"),  # BSA 10% is not > 10%
        (PASI_7_0, ("1", "9.5"), "met"),  # BSA 10.5% > 10%
    ],
)
def test_evaluate_eligibility_in01_pasi_and_bsa_boundaries(
    pasi: tuple[tuple[int, int, int, int], tuple[int, int, int, int]],
    bsa: tuple[str, str],
    expected: str,
) -> None:
    record = example()
    set_pasi(record, *pasi)
    set_bsa(record, *bsa)
    assert status_of(record, "IN01") == expected


def test_evaluate_eligibility_in01_reason_names_values() -> None:
    record = example()
    set_pasi(record, *PASI_7_0)
    set_bsa(record, "1", "9")
    [in01] = [c for c in evaluate(record)["criteria"] if c["id"] == "IN01"]
    assert "pasi.total 7.0 <= 7" in in01["reason"]
    assert "bsa.total_pct 10" in in01["reason"]
    assert in01["values"]["pasi.total"] == Decimal("7.0")


@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [
        ("1960-02-24", "met"),  # 65 on the screening date 2026-02-23 (66 tomorrow)
        ("1960-02-23", "not_met"),  # 66th birthday on the screening date
        ("2008-02-23", "met"),  # 18th birthday on the screening date
        ("2008-02-24", "not_met"),  # 17
    ],
)
def test_evaluate_eligibility_in02_age_boundaries(birth_date: str, expected: str) -> None:
    record = example()
    record["forms"]["demographics"]["birth_date"] = birth_date
    assert status_of(record, "IN02") == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(Decimal("75"), "met"), (Decimal("74.9"), "not_met")]
)
def test_evaluate_eligibility_ex05_platelets_boundary(value: Decimal, expected: str) -> None:
    record = example()
    record["forms"]["labs"]["PLT"]["value"] = value
    assert status_of(record, "EX05") == expected


def zung_sds_answers(raw: int) -> dict[str, int]:
    """SDS answers with the given raw score: reverse items ticked 4 (score 1 each)."""
    reverse = {2, 5, 6, 11, 12, 14, 16, 17, 18, 20}
    forward = [n for n in range(1, 21) if n not in reverse]
    answers = {f"q{n}": 4 for n in reverse}
    remaining = raw - len(reverse)
    for done, n in enumerate(forward):
        tick = min(4, remaining - (len(forward) - done - 1))  # leave 1 for each item to come
        answers[f"q{n}"] = tick
        remaining -= tick
    assert remaining == 0
    return answers


@pytest.mark.parametrize(("raw", "expected"), [(42, "met"), (43, "not_met")])
def test_evaluate_eligibility_ex04_sds_raw_boundary(raw: int, expected: str) -> None:
    # Exact index: 42 x 1.25 = 52.5 is not > 53; 43 x 1.25 = 53.75 is.
    record = example()
    record["forms"]["zung_sds"] = zung_sds_answers(raw)
    assert status_of(record, "EX04") == expected


def test_evaluate_eligibility_ex04_truncated_setting_admits_sds_43() -> None:
    protocol = PROTOCOL.model_copy(
        update={
            "settings": PROTOCOL.settings.model_copy(update={"zung_comparison": "truncated_index"})
        }
    )
    record = example()
    record["forms"]["zung_sds"] = zung_sds_answers(43)
    result = evaluate_eligibility(protocol, read_screening_record(protocol, record))
    [ex04] = [c for c in result.criteria if c.id == "EX04"]
    assert ex04.status == "met"  # 53.75 truncates to 53, which is not > 53


@pytest.mark.parametrize(
    ("last_use", "expected"),
    [("2026-02-16", "met"), ("2026-02-17", "not_met")],  # 14 and 13 days before 2026-03-02
)
def test_evaluate_eligibility_ex09_topical_washout_boundary(last_use: str, expected: str) -> None:
    record = example()
    record["forms"]["prior_therapies"]["topical_last_date"] = last_use
    assert status_of(record, "EX09") == expected


def test_evaluate_eligibility_washout_counts_from_screening_without_planned_infusion() -> None:
    record = example()
    record["planned_first_infusion"] = None
    record["forms"]["prior_therapies"]["topical_last_date"] = "2026-02-10"  # 13 days before
    result = evaluate(record)
    [ex09] = [c for c in result["criteria"] if c["id"] == "EX09"]
    assert ex09["status"] == "not_met"
    assert "screening date 2026-02-23" in ex09["reason"]
    assert result["washout_reference"] == {"date": "2026-02-23", "source": "screening date"}


def test_evaluate_eligibility_washout_reason_names_planned_infusion() -> None:
    record = example()
    record["forms"]["prior_therapies"]["topical_last_date"] = "2026-02-17"
    [ex09] = [c for c in evaluate(record)["criteria"] if c["id"] == "EX09"]
    assert "13 days before the planned first infusion 2026-03-02" in ex09["reason"]


def _set(form: str, item: str, value: Any) -> Callable[[Record], None]:
    def change(record: Record) -> None:
        record["forms"][form][item] = value

    return change


def _lab(test: str, value: str) -> Callable[[Record], None]:
    def change(record: Record) -> None:
        record["forms"]["labs"][test]["value"] = Decimal(value)

    return change


@pytest.mark.parametrize(
    ("change", "criterion"),
    [
        (_set("psoriasis_history", "type", "pustular"), "IN01"),
        (_set("informed_consent", "signed", False), "IN03"),
        (_set("psoriasis_history", "type", "guttate"), "IN01 EX01"),  # not vulgaris either
        (_set("psoriasis_history", "face_only", True), "EX01"),
        (_set("psoriasis_history", "acute_progressive", True), "EX02"),
        (_set("psoriasis_history", "erythroderma_tendency", True), "EX02"),
        (_set("pregnancy", "test_result", "positive"), "EX03"),
        (_set("pregnancy", "lactating", True), "EX03"),
        (_set("pregnancy", "pregnant_past_year", True), "EX03"),
        (_set("medical_history", "psychiatric_disorder", True), "EX04"),
        (_set("medical_history", "uncontrolled_disease", True), "EX05"),
        (_set("medical_history", "electrolyte_imbalance", True), "EX05"),
        (_lab("CA", "2.91"), "EX05"),
        (_lab("CA", "1.99"), "EX05"),
        (_lab("ALT", "80.1"), "EX05"),  # ULN 40: > 2 x ULN
        (_lab("AST", "70.1"), "EX05"),  # ULN 35
        (_lab("CREAT", "81.1"), "EX05"),
        (_lab("CYSC", "1.1"), "EX05"),
        (_lab("HGB", "170.1"), "EX05"),  # ULN 150 + 20
        (_lab("HGB", "114"), "EX05"),  # anaemia: below LLN 115
        (_lab("WBC", "2.9"), "EX05"),
        (_set("medical_history", "tumor_markers_abnormal", True), "EX06"),
        (_set("medical_history", "allergy_history", True), "EX07"),
        (_set("prior_therapies", "other_trial_current", True), "EX08"),
        (_set("prior_therapies", "other_trial_last_date", "2026-02-01"), "EX08"),
        (_set("prior_therapies", "systemic_last_date", "2026-02-03"), "EX09"),  # 27 days
        (_set("prior_therapies", "biologic_last_date", "2025-12-09"), "EX09"),  # 83 days
    ],
)
def test_evaluate_eligibility_each_rule_excludes_only_its_criterion(
    change: Callable[[Record], None], criterion: str
) -> None:
    record = example()
    change(record)
    result = evaluate(record)
    failed = [c["id"] for c in result["criteria"] if c["status"] != "met"]
    assert failed == criterion.split()
    assert result["eligible"] is False


def test_evaluate_eligibility_ex09_biologic_twelve_weeks_is_complete() -> None:
    record = example()
    record["forms"]["prior_therapies"]["biologic_last_date"] = "2025-12-08"  # 84 days before
    assert status_of(record, "EX09") == "met"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("80", "met"), ("80.1", "not_met")],  # ULN 40: exactly 2x is eligible
)
def test_evaluate_eligibility_ex05_alt_twice_uln_boundary(value: str, expected: str) -> None:
    record = example()
    _lab("ALT", value)(record)
    assert status_of(record, "EX05") == expected


def test_evaluate_eligibility_missing_items_cannot_evaluate_naming_them() -> None:
    record = example()
    del record["forms"]["demographics"]["birth_date"]
    del record["forms"]["pasi"]["trunk"]["area_pct"]
    result = evaluate(record)
    by_id = {c["id"]: c for c in result["criteria"]}
    assert by_id["IN02"]["status"] == "cannot_evaluate"
    assert "demographics.birth_date" in by_id["IN02"]["reason"]
    # BSA still decides IN01 (36.5% > 10%) although PASI cannot be scored.
    assert by_id["IN01"]["status"] == "met"
    assert result["eligible"] is False


def test_evaluate_eligibility_missing_pasi_and_low_bsa_cannot_evaluate() -> None:
    record = example()
    del record["forms"]["pasi"]["trunk"]["area_pct"]
    set_bsa(record, "1", "2")
    [in01] = [c for c in evaluate(record)["criteria"] if c["id"] == "IN01"]
    assert in01["status"] == "cannot_evaluate"
    assert in01["missing"] == ["pasi.total"]
    assert "pasi.trunk.area_pct" in in01["reason"]


def test_evaluate_eligibility_exclusion_decided_despite_missing_items() -> None:
    record = example()
    del record["forms"]["labs"]["WBC"]
    _lab("PLT", "50")(record)
    assert status_of(record, "EX05") == "not_met"


def test_evaluate_eligibility_without_confirmation_needs_confirmation() -> None:
    record = example()
    del record["confirmations"]["EX10"]
    [ex10] = [c for c in evaluate(record)["criteria"] if c["id"] == "EX10"]
    assert ex10["status"] == "needs_confirmation"
    assert "investigator confirmation not recorded" in ex10["reason"]


def test_evaluate_eligibility_confirmation_false_is_not_met() -> None:
    record = example()
    record["confirmations"]["EX05"] = False
    assert status_of(record, "EX05") == "not_met"


def test_evaluate_eligibility_lab_rule_fails_before_confirmation() -> None:
    record = example()
    _lab("WBC", "2.9")(record)
    [ex05] = [c for c in evaluate(record)["criteria"] if c["id"] == "EX05"]
    assert ex05["status"] == "not_met"
    assert "labs.WBC.value 2.9 < 3.0" in ex05["reason"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("pasi", "head", {"erythema": 5}), "forms.pasi.head.erythema"),
        (_set("demographics", "sex", "X"), "forms.demographics.sex"),
        (_set("demographics", "birth_date", "23/02/1980"), "forms.demographics.birth_date"),
        (_set("medical_history", "allergy_history", "no"), "forms.medical_history.allergy_history"),
        (_set("demographics", "shoe_size", 42), "forms.demographics.shoe_size"),
    ],
)
def test_read_screening_record_malformed_item_names_field(
    change: Callable[[Record], None], field: str
) -> None:
    record = example()
    change(record)
    with pytest.raises(FieldError) as caught:
        read_screening_record(PROTOCOL, record)
    assert caught.value.field == field


def test_read_screening_record_reports_every_problem() -> None:
    record = example()
    record["screening_date"] = "yesterday"
    record["forms"]["labs"]["PLT"]["unit"] = "mg/dL"
    record["confirmations"]["IN01"] = True
    with pytest.raises(FieldErrors) as caught:
        read_screening_record(PROTOCOL, record)
    fields = [error.field for error in caught.value.errors]
    assert fields == ["screening_date", "forms.labs.PLT.unit", "confirmations.IN01"]


@given(tenths=st.integers(min_value=0, max_value=10_000))
@settings(max_examples=200, deadline=None)
def test_evaluate_eligibility_platelet_rule_is_exact(tenths: int) -> None:
    value = Decimal(tenths).scaleb(-1)
    record = example()
    record["forms"]["labs"]["PLT"]["value"] = value
    assert (status_of(record, "EX05") == "not_met") is (value < 75)


@given(days=st.integers(min_value=-30, max_value=400))
@settings(max_examples=100, deadline=None)
def test_evaluate_eligibility_topical_washout_is_fewer_than_14_days(days: int) -> None:
    record = example()
    last_use = date(2026, 3, 2) - timedelta(days=days)
    record["forms"]["prior_therapies"]["topical_last_date"] = last_use.isoformat()
    assert (status_of(record, "EX09") == "not_met") is (days < 14)


def test_evaluate_eligibility_sister_protocol_example_is_eligible() -> None:
    sister = load_protocol("nct03265613")
    record = build_example_record(sister)
    assert record["protocol"] == "nct03265613"
    result = evaluate_eligibility(sister, read_screening_record(sister, record))
    assert result.eligible
