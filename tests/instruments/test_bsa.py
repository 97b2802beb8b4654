"""Tests for psotrial.instruments.bsa; examples are domain.md §2."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import IncompleteResponsesError, ResponseOutOfRangeError, ScoringError
from psotrial.instruments.bsa import PALM_PCT, REGION_MAX_PCT, compute_bsa
from psotrial.instruments.pasi import REGIONS

CLEAR = dict.fromkeys(REGIONS, 0)


def test_palm_pct_is_whole_hand_one_percent() -> None:
    assert Decimal(1) == PALM_PCT
    assert dict(REGION_MAX_PCT) == {"head": 10, "upper_limbs": 20, "trunk": 30, "lower_limbs": 40}


@pytest.mark.parametrize(
    ("region", "palms", "involvement_pct", "pasi_area"),
    [
        ("trunk", 6, Decimal(20), 2),  # domain.md §2: 6 palms on the trunk -> A2
        ("head", 6, Decimal(60), 4),  # domain.md §2: 6 palms on the head -> A4
        ("trunk", 3, Decimal(10), 2),
        ("trunk", "2.99", Decimal("9.97"), 1),
        ("trunk", 1, Decimal("3.33"), 1),
        ("trunk", 30, Decimal(100), 6),
        ("upper_limbs", "0.5", Decimal("2.5"), 1),
        ("lower_limbs", 36, Decimal(90), 6),
        ("lower_limbs", "35.9", Decimal("89.75"), 5),
        ("head", 0, Decimal(0), 0),
    ],
)
def test_compute_bsa_region_involvement_and_area(
    region: str, palms: object, involvement_pct: Decimal, pasi_area: int
) -> None:
    result = compute_bsa(CLEAR | {region: palms})
    assert result.regions[region].involvement_pct == involvement_pct
    assert result.regions[region].pasi_area == pasi_area


def test_compute_bsa_trunk_area_decided_on_exact_fraction() -> None:
    # 2.9999 palms is 9.99966..% of the trunk; rounded to 2 places it would read 10.00 (A2).
    result = compute_bsa(CLEAR | {"trunk": "2.9999"})
    assert result.regions["trunk"].involvement_pct == Decimal("10.00")
    assert result.regions["trunk"].pasi_area == 1


def test_compute_bsa_total_and_dict() -> None:
    result = compute_bsa({"head": 6, "upper_limbs": 0, "trunk": 6, "lower_limbs": "2.5"})
    assert result.to_dict() == {
        "bsa_pct": Decimal("14.5"),
        "regions": {
            "head": {
                "palms": Decimal(6),
                "pct": Decimal(6),
                "involvement_pct": Decimal(60),
                "pasi_area": 4,
            },
            "upper_limbs": {
                "palms": Decimal(0),
                "pct": Decimal(0),
                "involvement_pct": Decimal(0),
                "pasi_area": 0,
            },
            "trunk": {
                "palms": Decimal(6),
                "pct": Decimal(6),
                "involvement_pct": Decimal(20),
                "pasi_area": 2,
            },
            "lower_limbs": {
                "palms": Decimal("2.5"),
                "pct": Decimal("2.5"),
                "involvement_pct": Decimal("6.25"),
                "pasi_area": 1,
            },
        },
    }


@pytest.mark.parametrize(
    ("palms", "error", "field", "message"),
    [
        (
            {"head": 1, "trunk": 1, "lower_limbs": 1},
            IncompleteResponsesError,
            "upper_limbs",
            "required",
        ),
        (CLEAR | {"trunk": None}, IncompleteResponsesError, "trunk", "missing"),
        (CLEAR | {"neck": 1}, ResponseOutOfRangeError, "neck", "head, upper_limbs"),
        (CLEAR | {"head": -1}, ResponseOutOfRangeError, "head", "at most 10% BSA"),
        (CLEAR | {"head": "10.5"}, ResponseOutOfRangeError, "head", "expected 0-10 palms"),
        (CLEAR | {"trunk": 31}, ResponseOutOfRangeError, "trunk", "at most 30% BSA"),
        (CLEAR | {"lower_limbs": "lots"}, ResponseOutOfRangeError, "lower_limbs", "number"),
        (CLEAR | {"upper_limbs": True}, ResponseOutOfRangeError, "upper_limbs", "number"),
    ],
)
def test_compute_bsa_malformed_input_names_field(
    palms: dict[str, object], error: type[ScoringError], field: str, message: str
) -> None:
    with pytest.raises(error, match=message) as caught:
        compute_bsa(palms)
    assert caught.value.field == field


def test_compute_bsa_rejects_non_mapping() -> None:
    with pytest.raises(ResponseOutOfRangeError, match="palms"):
        compute_bsa([6, 0, 6, 0])  # type: ignore[arg-type]


palm_counts = st.fixed_dictionaries(
    {name: st.decimals(min_value=0, max_value=REGION_MAX_PCT[name], places=2) for name in REGIONS}
)


@given(palm_counts)
def test_compute_bsa_total_is_exact_sum_within_0_100(palms: dict[str, Decimal]) -> None:
    result = compute_bsa(palms)
    assert result.bsa_pct == sum(palms.values())
    assert 0 <= result.bsa_pct <= 100
    for name in REGIONS:
        assert 0 <= result.regions[name].pasi_area <= 6
