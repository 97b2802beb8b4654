"""Tests for psotrial.instruments.zung; vectors Z1-Z5 are domain.md §5."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import ResponseOutOfRangeError
from psotrial.instruments.zung import REVERSE_ITEMS, compute_zung

SAS_REVERSE = (5, 9, 13, 17, 19)
SDS_REVERSE = (2, 5, 6, 11, 12, 14, 16, 17, 18, 20)


def sds_with_raw(raw: int) -> list[object]:
    """All option 1 (raw 50) with ``50 - raw`` reverse items ticked 2 instead, for raw 40-50."""
    lowered = SDS_REVERSE[: 50 - raw]
    return [2 if number in lowered else 1 for number in range(1, 21)]


def test_reverse_items_match_domain() -> None:
    assert REVERSE_ITEMS["SAS"] == frozenset(SAS_REVERSE)
    assert REVERSE_ITEMS["SDS"] == frozenset(SDS_REVERSE)


@pytest.mark.parametrize(
    ("vector", "scale", "items", "raw", "index", "truncated", "rounded"),
    [
        ("Z1", "SAS", [1] * 20, 35, Decimal("43.75"), 43, 44),
        ("Z2", "SAS", [4] * 20, 65, Decimal("81.25"), 81, 81),
        ("Z3", "SDS", [1] * 20, 50, Decimal("62.5"), 62, 63),
        ("Z4", "SDS", [4] * 20, 50, Decimal("62.5"), 62, 63),
        ("Z5 raw 42", "SDS", sds_with_raw(42), 42, Decimal("52.5"), 52, 53),
        ("Z5 raw 43", "SDS", sds_with_raw(43), 43, Decimal("53.75"), 53, 54),
        ("SAS raw 40", "SAS", [2] * 9 + [1] * 11, 40, Decimal("50"), 50, 50),
        ("SAS raw 41", "SAS", [2] * 10 + [1] * 10, 41, Decimal("51.25"), 51, 51),
    ],
)
def test_compute_zung_domain_vectors(
    vector: str,
    scale: str,
    items: list[object],
    raw: int,
    index: Decimal,
    truncated: int,
    rounded: int,
) -> None:
    truncate = compute_zung(scale, items)
    half_up = compute_zung(scale, items, display="round_half_up")
    assert (truncate.raw, truncate.index, truncate.index_display) == (raw, index, truncated), vector
    assert (half_up.raw, half_up.index, half_up.index_display) == (raw, index, rounded), vector


def test_compute_zung_sds_43_exceeds_53_exactly_but_truncates_to_53() -> None:
    result = compute_zung("SDS", sds_with_raw(43))
    assert result.index is not None
    assert result.index > 53
    assert result.index_display == 53


def test_compute_zung_reverse_items_score_five_minus_answer() -> None:
    result = compute_zung("SAS", [1, 2, 3, 4] * 5)
    assert result.item_scores[4] == 5 - 1  # item 5 is reversed
    assert result.item_scores[0] == 1


def test_compute_zung_to_dict() -> None:
    assert compute_zung("SDS", sds_with_raw(43)).to_dict() == {
        "scale": "SDS",
        "raw": 43,
        "index": Decimal("53.75"),
        "index_display": 53,
        "reason": None,
    }


def test_compute_zung_missing_item_not_scored() -> None:
    items: list[object] = [1] * 20
    items[2] = items[16] = None
    result = compute_zung("SAS", items)
    assert (result.raw, result.index, result.index_display) == (None, None, None)
    assert result.item_scores[2] is None
    assert result.item_scores[16] is None
    assert result.reason is not None
    assert result.reason.startswith("2 items unanswered: item3, item17")


@pytest.mark.parametrize(
    ("scale", "items", "display", "field", "message"),
    [
        ("HADS", [1] * 20, "truncate", "scale", "SAS, SDS"),
        ("sas", [1] * 20, "truncate", "scale", "SAS, SDS"),
        ("SAS", [1] * 20, "floor", "display", "truncate, round_half_up"),
        ("SAS", [1] * 19, "truncate", "items", "exactly 20"),
        ("SAS", [1] * 21, "truncate", "items", "exactly 20"),
        ("SAS", "1" * 20, "truncate", "items", "list of 20"),
        ("SAS", [1] * 19 + [5], "truncate", "item20", "1-4"),
        ("SDS", [0] + [1] * 19, "truncate", "item1", "1-4"),
        ("SDS", [1, 2.5] + [1] * 18, "truncate", "item2", "1-4"),
        ("SDS", [1, 1, "often"] + [1] * 17, "truncate", "item3", "number"),
    ],
)
def test_compute_zung_malformed_input_names_field(
    scale: str, items: list[object], display: str, field: str, message: str
) -> None:
    with pytest.raises(ResponseOutOfRangeError, match=message) as caught:
        compute_zung(scale, items, display)
    assert caught.value.field == field


@given(st.sampled_from(["SAS", "SDS"]), st.lists(st.integers(1, 4), min_size=20, max_size=20))
def test_compute_zung_raw_within_20_80_and_index_is_raw_times_5_over_4(
    scale: str, items: list[int]
) -> None:
    result = compute_zung(scale, items)
    assert result.raw is not None
    assert result.index is not None
    assert 20 <= result.raw <= 80
    assert result.index == Decimal(result.raw * 5) / 4
    assert result.index_display == int(result.raw * 5 // 4)
