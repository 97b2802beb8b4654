"""Tests for psotrial.instruments.pasi; vectors P1-P5 are domain.md §1.4."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import IncompleteResponsesError, ResponseOutOfRangeError, ScoringError
from psotrial.instruments.pasi import REGIONS, SIGNS, compute_area_score, compute_pasi


def region(e: object, i: object, d: object, a: object, key: str = "area") -> dict[str, object]:
    return {"erythema": e, "induration": i, "desquamation": d, key: a}


def all_regions(e: object, i: object, d: object, a: object) -> dict[str, object]:
    return {name: region(e, i, d, a) for name in REGIONS}


CLEAR = region(0, 0, 0, 0)
P3 = {
    "head": region(2, 1, 2, 15, "area_pct"),
    "upper_limbs": region(3, 2, 2, 35, "area_pct"),
    "trunk": region(2, 2, 1, 20, "area_pct"),
    "lower_limbs": region(3, 3, 3, 55, "area_pct"),
}


@pytest.mark.parametrize(
    ("vector", "regions", "expected"),
    [
        ("P1", all_regions(0, 0, 0, 0), Decimal("0.0")),
        ("P2", all_regions(4, 4, 4, 6), Decimal("72.0")),
        ("P3", P3, Decimal("22.6")),
        (
            "P5",
            {
                "head": region(1, 1, 1, 1),
                "upper_limbs": region(1, 1, 1, 1),
                "trunk": CLEAR,
                "lower_limbs": CLEAR,
            },
            Decimal("0.9"),
        ),
    ],
)
def test_compute_pasi_domain_vectors(
    vector: str, regions: dict[str, object], expected: Decimal
) -> None:
    result = compute_pasi(regions)
    assert result.pasi == expected, vector
    assert str(result.pasi) == str(expected), vector
    assert result.tenths * Decimal("0.1") == expected


def test_compute_pasi_p3_region_scores_and_dict() -> None:
    result = compute_pasi(P3)
    assert [result.regions[name].score for name in REGIONS] == [
        Decimal("1.0"),
        Decimal("4.2"),
        Decimal("3.0"),
        Decimal("14.4"),
    ]
    assert [result.regions[name].area for name in REGIONS] == [2, 3, 2, 4]
    assert result.to_dict() == {
        "pasi": Decimal("22.6"),
        "regions": {
            "head": {
                "erythema": 2,
                "induration": 1,
                "desquamation": 2,
                "area": 2,
                "area_pct": Decimal(15),
                "score": Decimal("1.0"),
            },
            "upper_limbs": {
                "erythema": 3,
                "induration": 2,
                "desquamation": 2,
                "area": 3,
                "area_pct": Decimal(35),
                "score": Decimal("4.2"),
            },
            "trunk": {
                "erythema": 2,
                "induration": 2,
                "desquamation": 1,
                "area": 2,
                "area_pct": Decimal(20),
                "score": Decimal("3.0"),
            },
            "lower_limbs": {
                "erythema": 3,
                "induration": 3,
                "desquamation": 3,
                "area": 4,
                "area_pct": Decimal(55),
                "score": Decimal("14.4"),
            },
        },
        "warnings": [],
    }


@pytest.mark.parametrize(
    ("area_pct", "expected"),
    [
        ("0", 0),
        ("0.01", 1),
        ("0.5", 1),
        ("9.99", 1),
        ("10", 2),
        ("29.9", 2),
        ("30", 3),
        ("49.99", 3),
        ("50", 4),
        ("69.9", 4),
        ("70", 5),
        ("89.9", 5),
        ("90", 6),
        ("100", 6),
    ],
)
def test_compute_area_score_p4_table(area_pct: str, expected: int) -> None:
    assert compute_area_score(Decimal(area_pct)) == expected


@pytest.mark.parametrize("area_pct", ["-0.01", "100.01", "NaN"])
def test_compute_area_score_rejects_outside_0_100(area_pct: str) -> None:
    with pytest.raises(ResponseOutOfRangeError, match="0-100"):
        compute_area_score(Decimal(area_pct))


def test_compute_pasi_area_pct_float_is_read_exactly() -> None:
    regions = all_regions(1, 1, 1, 0) | {"trunk": region(1, 1, 1, 9.99, "area_pct")}
    assert compute_pasi(regions).regions["trunk"].area_pct == Decimal("9.99")
    assert compute_pasi(regions).regions["trunk"].area == 1


def test_compute_pasi_accepts_integral_float_sign() -> None:
    assert compute_pasi(all_regions(3.0, 0, 0, 1)).regions["head"].erythema == 3


@pytest.mark.parametrize(
    ("regions", "error", "field", "message"),
    [
        ({n: CLEAR for n in REGIONS if n != "trunk"}, IncompleteResponsesError, "trunk", "missing"),
        (all_regions(0, 0, 0, 0) | {"trunk": None}, IncompleteResponsesError, "trunk", "missing"),
        (all_regions(0, 0, 0, 0) | {"neck": CLEAR}, ResponseOutOfRangeError, "neck", "head"),
        (
            all_regions(0, 0, 0, 0) | {"trunk": CLEAR | {"colour": 1}},
            ResponseOutOfRangeError,
            "trunk.colour",
            "erythema, induration, desquamation, area_pct, area",
        ),
        (
            all_regions(0, 0, 0, 0) | {"trunk": {"induration": 0, "desquamation": 0, "area": 0}},
            IncompleteResponsesError,
            "trunk.erythema",
            "0-4",
        ),
        (
            all_regions(0, 0, 0, 0) | {"trunk": region(2.5, 0, 0, 0)},
            ResponseOutOfRangeError,
            "trunk.erythema",
            "0-4",
        ),
        (
            all_regions(0, 0, 0, 0) | {"head": region(0, 5, 0, 0)},
            ResponseOutOfRangeError,
            "head.induration",
            "0-4",
        ),
        (
            all_regions(0, 0, 0, 0) | {"head": region(0, 0, True, 0)},
            ResponseOutOfRangeError,
            "head.desquamation",
            "number",
        ),
        (
            all_regions(0, 0, 0, 0) | {"lower_limbs": region(0, 0, 0, 7)},
            ResponseOutOfRangeError,
            "lower_limbs.area",
            "0-6",
        ),
        (
            all_regions(0, 0, 0, 0) | {"lower_limbs": region(0, 0, 0, 101, "area_pct")},
            ResponseOutOfRangeError,
            "lower_limbs.area_pct",
            "0-100",
        ),
        (
            all_regions(0, 0, 0, 0) | {"head": region(0, 0, 0, 1) | {"area_pct": 5}},
            ResponseOutOfRangeError,
            "head.area",
            "only one of area_pct",
        ),
        (
            all_regions(0, 0, 0, 0) | {"head": {"erythema": 0, "induration": 0, "desquamation": 0}},
            IncompleteResponsesError,
            "head.area_pct",
            "one of area_pct",
        ),
        (all_regions(0, 0, 0, 0) | {"head": [0, 0, 0, 0]}, ResponseOutOfRangeError, "head", "keys"),
    ],
)
def test_compute_pasi_malformed_input_names_field(
    regions: dict[str, object], error: type[ScoringError], field: str, message: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        compute_pasi(regions)
    assert caught.value.field == field


def test_compute_pasi_rejects_non_mapping() -> None:
    with pytest.raises(ResponseOutOfRangeError, match="head, upper_limbs, trunk, lower_limbs"):
        compute_pasi([1, 2, 3])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("trunk", "warning"),
    [
        (region(2, 0, 0, 0), "trunk: area is 0 but signs are recorded; the region contributes 0"),
        (region(0, 0, 0, 3), "trunk: area is 3 but all signs are 0; the region contributes 0"),
        (region(0, 0, 0, 0.5, "area_pct"), "trunk: area is 1 but all signs are 0"),
    ],
)
def test_compute_pasi_inconsistent_region_warns_and_scores_zero(
    trunk: dict[str, object], warning: str
) -> None:
    result = compute_pasi(all_regions(0, 0, 0, 0) | {"trunk": trunk})
    assert result.pasi == 0
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(warning)


def test_compute_pasi_consistent_input_has_no_warnings() -> None:
    assert compute_pasi(all_regions(1, 2, 3, 4)).warnings == ()


signs = st.integers(0, 4)
areas = st.integers(0, 6)
region_values = st.fixed_dictionaries(
    {"erythema": signs, "induration": signs, "desquamation": signs, "area": areas}
)
all_region_values = st.fixed_dictionaries(dict.fromkeys(REGIONS, region_values))


@given(all_region_values)
def test_compute_pasi_within_range_on_tenth_lattice(regions: dict[str, dict[str, int]]) -> None:
    result = compute_pasi(regions)
    assert 0 <= result.tenths <= 720
    assert result.pasi * 10 == result.tenths
    assert result.pasi.as_tuple().exponent == -1
    assert sum(r.tenths for r in result.regions.values()) == result.tenths


@given(all_region_values, st.sampled_from(REGIONS), st.sampled_from((*SIGNS, "area")))
def test_compute_pasi_monotone_in_each_sign_and_area(
    regions: dict[str, dict[str, int]], name: str, key: str
) -> None:
    top = 6 if key == "area" else 4
    if regions[name][key] == top:
        regions[name][key] -= 1
    raised = {**regions, name: {**regions[name], key: regions[name][key] + 1}}
    assert compute_pasi(raised).tenths >= compute_pasi(regions).tenths


percentages = st.decimals(min_value=0, max_value=100, places=3)


@given(percentages, percentages)
def test_compute_area_score_monotone_in_area_pct(low: Decimal, high: Decimal) -> None:
    low, high = min(low, high), max(low, high)
    assert compute_area_score(low) <= compute_area_score(high)
