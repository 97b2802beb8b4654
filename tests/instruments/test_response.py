"""Tests for psotrial.instruments.response; R1-R11 are domain.md §1.4, L1-L7 §6.2."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from psotrial.errors import ResponseOutOfRangeError
from psotrial.instruments.response import (
    Rebound,
    Relapse,
    check_pasi_response,
    compute_improvement,
    compute_response,
    to_tenths,
)


@pytest.mark.parametrize(
    ("vector", "baseline", "value", "improvement_pct", "flags"),
    [
        ("R1", "20.0", "5.0", Decimal("75.00"), (True, True, False, False)),
        ("R2", "7.6", "1.9", Decimal("75.00"), (True, True, False, False)),
        ("R3", "9.0", "0.9", Decimal("90.00"), (True, True, True, False)),
        ("R4", "9.9", "2.5", Decimal("74.75"), (True, False, False, False)),
        ("R5", "14.7", "7.4", Decimal("49.66"), (False, False, False, False)),
        ("R6", "15.0", "18.0", Decimal("-20.00"), (False, False, False, False)),
        ("R7", "8.1", "0", Decimal("100.00"), (True, True, True, True)),
        ("R8", "22.6", "2.2", Decimal("90.27"), (True, True, True, False)),
        ("R9", "21", "9", Decimal("57.14"), (True, False, False, False)),
        ("R10", "24", "8.3", Decimal("65.42"), (True, False, False, False)),
        ("R11", "50.4", "0.3", Decimal("99.40"), (True, True, True, False)),
        ("trap 11.2", "11.2", "2.8", Decimal("75.00"), (True, True, False, False)),
        ("trap 13.0", "13.0", "1.3", Decimal("90.00"), (True, True, True, False)),
        ("float 7.6", 7.6, 1.9, Decimal("75.00"), (True, True, False, False)),
        ("float 9.0", 9.0, 0.9, Decimal("90.00"), (True, True, True, False)),
    ],
)
def test_compute_response_domain_vectors(
    vector: str,
    baseline: object,
    value: object,
    improvement_pct: Decimal,
    flags: tuple[bool, bool, bool, bool],
) -> None:
    visit = compute_response(baseline, [("W12", value)]).visits[0]
    assert visit.to_dict()["improvement_pct"] == improvement_pct, vector
    assert str(visit.to_dict()["improvement_pct"]) == str(improvement_pct), vector
    assert (visit.pasi50, visit.pasi75, visit.pasi90, visit.pasi100) == flags, vector


@pytest.mark.parametrize(
    ("baseline", "value", "percent"),
    [(76, 19, 75), (90, 9, 90), (112, 28, 75), (130, 13, 90)],
)
def test_check_pasi_response_float_traps_reach_exact_boundary(
    baseline: int, value: int, percent: int
) -> None:
    naive = (baseline / 10 - value / 10) / (baseline / 10) * 100
    assert naive < percent  # the float trap this module exists to avoid
    assert check_pasi_response(baseline, value, percent) is True
    assert compute_improvement(baseline, value) == percent


@pytest.mark.parametrize(
    ("baseline", "value", "improvement"),
    [
        (200, 50, Fraction(75)),
        (99, 25, Fraction(7400, 99)),
        (147, 74, Fraction(7300, 147)),
        (150, 180, Fraction(-20)),
        (81, 0, Fraction(100)),
        (720, 720, Fraction(0)),
    ],
)
def test_compute_improvement_exact_and_unclamped(
    baseline: int, value: int, improvement: Fraction
) -> None:
    assert compute_improvement(baseline, value) == improvement


def test_compute_improvement_baseline_zero_is_undefined() -> None:
    with pytest.raises(ResponseOutOfRangeError, match="undefined for baseline PASI 0") as caught:
        compute_improvement(0, 0)
    assert caught.value.field == "baseline"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((721, 0), "baseline"),
        ((True, 0), "baseline"),
        ((200, -1), "value"),
        ((200, 7.5), "value"),
    ],
)
def test_compute_improvement_rejects_non_tenths(args: tuple[object, object], field: str) -> None:
    with pytest.raises(ResponseOutOfRangeError, match="integer tenths") as caught:
        compute_improvement(*args)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_check_pasi_response_pasi100_is_zero_only() -> None:
    assert check_pasi_response(720, 0, 100) is True
    assert check_pasi_response(720, 1, 100) is False


@pytest.mark.parametrize(("percent", "field"), [(101, "percent"), (-1, "percent")])
def test_check_pasi_response_rejects_bad_percent(percent: int, field: str) -> None:
    with pytest.raises(ResponseOutOfRangeError, match="0-100") as caught:
        check_pasi_response(200, 50, percent)
    assert caught.value.field == field


@given(st.integers(1, 720), st.integers(0, 720), st.integers(0, 100))
def test_check_pasi_response_agrees_with_fraction(baseline: int, value: int, percent: int) -> None:
    expected = Fraction(baseline - value, baseline) >= Fraction(percent, 100)
    assert check_pasi_response(baseline, value, percent) is expected


@pytest.mark.parametrize(
    ("value", "tenths"),
    [("7.6", 76), (7.6, 76), (Decimal("0.1"), 1), (0, 0), ("72", 720), (72.0, 720), (9.0, 90)],
)
def test_to_tenths_reads_the_tenth_lattice(value: object, tenths: int) -> None:
    assert to_tenths(value, "pasi") == tenths


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("72.1", "0-72"),
        (-0.1, "0-72"),
        ("7.65", "steps of 0.1"),
        ("1e-30", "steps of 0.1"),
        ("1e999999", "0-72"),
        ("NaN", "number"),
        ("high", "number"),
        (None, "number"),
        (True, "number"),
    ],
)
def test_to_tenths_rejects_off_lattice_or_out_of_range(value: object, message: str) -> None:
    with pytest.raises(ResponseOutOfRangeError, match=message) as caught:
        to_tenths(value, "visits.W12")
    assert caught.value.field == "visits.W12"


# domain.md §6.2, all with B = 20: (later visits, protocol relapse, NPF relapse, rebound).
@pytest.mark.parametrize(
    ("vector", "values", "protocol", "npf", "rebound"),
    [
        ("L1", [("W12", 2), ("W16", 11)], "W16", "W16", None),
        ("L2", [("W12", 2), ("W16", 8)], None, None, None),
        ("L3", [("W12", 9), ("W16", "10.5")], "W16", None, None),
        ("L4", [("W12", 0), ("W16", "9.5")], None, None, None),
        ("L5", [("W12", 0), ("W16", "10.5")], "W16", "W16", None),
        ("L6", [("W4", 15), ("W12", 12), ("W16", 18)], None, None, None),
        ("L7", [("W12", 2), ("W20", "25.0")], "W20", "W20", "W20"),
    ],
)
def test_compute_response_relapse_vectors(
    vector: str,
    values: list[tuple[str, object]],
    protocol: str | None,
    npf: str | None,
    rebound: str | None,
) -> None:
    result = compute_response(20, values)
    assert result.relapse_protocol == Relapse(protocol is not None, protocol), vector
    assert result.relapse_npf == Relapse(npf is not None, npf), vector
    assert result.rebound == Rebound(rebound is not None, rebound), vector


def test_compute_response_npf_boundary_exclusive_when_asked() -> None:
    result = compute_response(20, [("W12", 2), ("W16", 11)], npf_inclusive=False)
    assert result.relapse_npf == Relapse(False, None)
    assert result.relapse_protocol == Relapse(True, "W16")


def test_compute_response_relapse_counts_only_after_first_pasi50() -> None:
    values: list[tuple[str, object]] = [("W2", 12), ("W4", 10), ("W8", 2), ("W12", 11)]
    result = compute_response(20, values)
    assert result.relapse_protocol == Relapse(True, "W12")
    # Best PASI 2 reached after PASI-50 first held at W4; W12 has lost exactly half of 18.
    assert result.relapse_npf == Relapse(True, "W12")


def test_compute_response_reports_first_relapse_only() -> None:
    result = compute_response(20, [("W12", 5), ("W16", 11), ("W20", 12)])
    assert result.relapse_protocol == Relapse(True, "W16")


def test_compute_response_rebound_threshold_is_a_parameter() -> None:
    values: list[tuple[str, object]] = [("W4", 24)]
    assert compute_response(20, values).rebound == Rebound(False, None)
    assert compute_response(20, values, rebound_pct=120).rebound == Rebound(True, "W4")


def test_compute_response_to_dict() -> None:
    result = compute_response("20.0", [("W4", 10), ("W12", "5.0"), ("W16", 11)])
    assert result.to_dict() == {
        "visits": [
            {
                "visit": "W4",
                "pasi": Decimal("10.0"),
                "improvement_pct": Decimal("50.00"),
                "pasi50": True,
                "pasi75": False,
                "pasi90": False,
                "pasi100": False,
            },
            {
                "visit": "W12",
                "pasi": Decimal("5.0"),
                "improvement_pct": Decimal("75.00"),
                "pasi50": True,
                "pasi75": True,
                "pasi90": False,
                "pasi100": False,
            },
            {
                "visit": "W16",
                "pasi": Decimal("11.0"),
                "improvement_pct": Decimal("45.00"),
                "pasi50": False,
                "pasi75": False,
                "pasi90": False,
                "pasi100": False,
            },
        ],
        "relapse": {
            "protocol": {"relapsed": True, "visit": "W16"},
            "npf": {"relapsed": False, "visit": None},
        },
        "rebound": {"rebound": False, "visit": None},
    }


def test_compute_response_no_visits() -> None:
    result = compute_response(20, [])
    assert result.visits == ()
    assert result.relapse_protocol == Relapse(False, None)


@pytest.mark.parametrize(
    ("baseline", "values", "kwargs", "field", "message"),
    [
        (0, [("W12", 0)], {}, "baseline", "undefined for baseline PASI 0"),
        ("72.1", [("W12", 0)], {}, "baseline", "0-72"),
        (20, [("W12", "7.65")], {}, "values.W12", "steps of 0.1"),
        (20, [("W12", None)], {}, "values.W12", "number"),
        (20, [("W12", 5), ("W12", 6)], {}, "values.W12", "more than once"),
        (20, [("W12", 5, 6)], {}, "values.0", "pair"),
        (20, [(12, 5)], {}, "values.0", "visit name"),
        (20, [("", 5)], {}, "values.0", "visit name"),
        (20, "W12", {}, "values", "pairs"),
        (20, [("W12", 5)], {"rebound_pct": 99}, "rebound_pct", "100"),
    ],
)
def test_compute_response_malformed_input_names_field(
    baseline: object, values: object, kwargs: dict[str, int], field: str, message: str
) -> None:
    with pytest.raises(ResponseOutOfRangeError, match=message) as caught:
        compute_response(baseline, values, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


tenths = st.integers(0, 720)


@given(st.integers(1, 720), st.lists(tenths, max_size=8))
def test_compute_response_relapse_visits_follow_first_pasi50(
    baseline: int, series: list[int]
) -> None:
    values: list[tuple[str, object]] = [
        (f"V{i}", Decimal(t).scaleb(-1)) for i, t in enumerate(series)
    ]
    result = compute_response(Decimal(baseline).scaleb(-1), values)
    names = [v.visit for v in result.visits]
    first = next((i for i, v in enumerate(result.visits) if v.pasi50), None)
    for relapse in (result.relapse_protocol, result.relapse_npf):
        assert relapse.relapsed is (relapse.visit is not None)
        if relapse.visit is not None:
            assert first is not None
            assert names.index(relapse.visit) > first
    if result.relapse_protocol.visit is not None:
        assert not result.visits[names.index(result.relapse_protocol.visit)].pasi50
