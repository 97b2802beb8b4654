"""Set-based exact arithmetic and relapse rules agree with their per-value references.

CHG, PCHG, the PASI criteria and the improvement rate are computed on integer mantissas in
NumPy for speed (src/psotrial/adam/_frame.py, adpasi.py); every float they give must be the
one the exact per-value functions give, on any input: decimals with many places, huge,
tiny, negative zero, NaN, off the PASI lattice.
"""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psotrial.adam import derive_vars_pasi_crit
from psotrial.adam._frame import (
    compute_exact_difference,
    compute_exact_percent_change,
    exact_difference,
    exact_percent_change,
)
from psotrial.adam.adpasi import _improvement, _responds, _Tenths
from psotrial.adam.adtte import _relapse_flags
from psotrial.errors import ResponseOutOfRangeError
from psotrial.instruments import compute_response

# Decimals as a clinician types them (a few places), plus anything a float can be.
decimals = st.builds(
    lambda digits, places: digits / 10**places,
    st.integers(min_value=-(10**9), max_value=10**9),
    st.integers(min_value=0, max_value=8),
)
floats = st.one_of(
    decimals,
    st.floats(allow_nan=True, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 0.1, 1e-7, 999_999_999.999_999, 1e9, 2.0**53, 7.6, -3.6]),
    st.none(),
)


def _same(left: list[float | None], right: list[float | None]) -> bool:
    """Equal floats, the same sign of zero, None for None."""
    for a, b in zip(left, right, strict=True):
        if (a is None) != (b is None):
            return False
        if (
            a is not None
            and b is not None
            and (a != b or math.copysign(1, a) != math.copysign(1, b))
        ):
            return False
    return True


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(floats, floats), min_size=1, max_size=40))
def test_set_based_change_equals_the_exact_reference(pairs: list[tuple[float | None, ...]]) -> None:
    values, bases = [a for a, _ in pairs], [b for _, b in pairs]
    frame = pl.DataFrame(
        {"AVAL": values, "BASE": bases}, schema={"AVAL": pl.Float64, "BASE": pl.Float64}
    )
    for set_based, reference in (
        (compute_exact_difference, exact_difference),
        (compute_exact_percent_change, exact_percent_change),
    ):
        try:
            expected = reference(values, bases)
        except OverflowError:  # a ratio beyond any float: the set-based path refuses it too
            with pytest.raises(OverflowError):
                set_based(frame, "AVAL", "BASE")
            continue
        assert _same(set_based(frame, "AVAL", "BASE").to_list(), expected)


def test_a_constant_divisor_is_an_ieee_division_not_a_reciprocal() -> None:
    # polars turns x / 1e6 into x * 1e-6 (-3.5999999999999996): the first bug of the
    # set-based path, kept here as its literal example.
    frame = pl.DataFrame({"AVAL": [4.0, 1.5], "BASE": [7.6, 7.6]})
    assert compute_exact_difference(frame, "AVAL", "BASE").to_list() == [-3.6, -6.1]


pasi = st.one_of(
    st.integers(min_value=0, max_value=720).map(lambda t: t / 10),
    st.integers(min_value=0, max_value=720).map(lambda t: t / 10 + 1e-12),
    st.sampled_from([72.05, 0.05, -0.0, 73.0]),
    st.none(),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(pasi, pasi), min_size=1, max_size=30))
def test_set_based_pasi_criteria_equal_the_exact_reference(
    pairs: list[tuple[float | None, float | None]],
) -> None:
    frame = pl.DataFrame(
        {"AVAL": [a for a, _ in pairs], "BASE": [b for _, b in pairs]},
        schema={"AVAL": pl.Float64, "BASE": pl.Float64},
    )
    expected: dict[int, list[bool | None]] | None = {}
    try:
        for number, percent in ((1, 50), (2, 75), (3, 90), (4, 100)):
            assert expected is not None
            expected[number] = [_responds(a, b, percent) for a, b in pairs]
        rates = [_improvement(a, b) for a, b in pairs]
    except ResponseOutOfRangeError:
        expected = None
    if expected is None:
        with pytest.raises(ResponseOutOfRangeError):
            derive_vars_pasi_crit(frame, filter=pl.lit(True))
        return
    out = derive_vars_pasi_crit(frame, filter=pl.lit(True))
    for number, flags in expected.items():
        wanted = [None if f is None else ("Y" if f else "N") for f in flags]
        assert out[f"CRIT{number}FL"].to_list() == wanted
    tenths = _Tenths(frame)
    divided = (100 * (tenths.base - tenths.value)).astype(float) / tenths.base.clip(1)
    assert _same(tenths.compute(divided, _improvement, pl.Float64()).to_list(), rates)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=720),
            st.lists(st.integers(min_value=0, max_value=720), min_size=1, max_size=8),
        ),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_set_based_relapse_flags_equal_compute_response(
    courses: list[tuple[int, list[int]]], inclusive: bool
) -> None:
    rows = [
        (f"S{n:02d}", base / 10, value / 10, seq)
        for n, (base, values) in enumerate(courses)
        for seq, value in enumerate(values, start=1)
    ]
    visits = pl.DataFrame(rows, schema=["USUBJID", "BASE", "AVAL", "ASEQ"], orient="row")
    flags = _relapse_flags(visits, inclusive)
    assert flags is not None
    out = visits.select(*flags)
    expected_protocol, expected_npf = [], []
    for base, values in courses:
        result = compute_response(
            repr(base / 10),
            [(str(seq), repr(v / 10)) for seq, v in enumerate(values, start=1)],
            npf_inclusive=inclusive,
        )
        for seq in range(1, len(values) + 1):
            expected_protocol.append("Y" if result.relapse_protocol.visit == str(seq) else None)
            expected_npf.append("Y" if result.relapse_npf.visit == str(seq) else None)
    assert out["RELPRO"].to_list() == expected_protocol
    assert out["RELNPF"].to_list() == expected_npf
