"""Hypothesis properties of the BDS derivations: CHG, PCHG, the improvement rate, ANL01FL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from psotrial.adam import derive_var_anl01fl, derive_var_chg, derive_var_pchg, derive_vars_pasi_crit

# PASI on its 0.1 lattice, as integer tenths 0-720.
tenths = st.integers(min_value=0, max_value=720)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(tenths, st.integers(min_value=1, max_value=720)), min_size=1, max_size=30)
)
def test_chg_is_aval_minus_base_exactly(pairs: list[tuple[int, int]]) -> None:
    ds = pl.DataFrame({"AVAL": [a / 10 for a, _ in pairs], "BASE": [b / 10 for _, b in pairs]})
    out = derive_var_pchg(derive_var_chg(ds))
    for (a, b), chg, pchg in zip(pairs, out["CHG"], out["PCHG"], strict=True):
        assert Decimal(repr(chg)) == Decimal(a - b) / 10
        assert pchg == float(Fraction(100 * (a - b), b))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(tenths, st.integers(min_value=1, max_value=720)), min_size=1, max_size=30)
)
def test_pasi_criteria_agree_with_exact_percent_change(pairs: list[tuple[int, int]]) -> None:
    ds = pl.DataFrame({"AVAL": [a / 10 for a, _ in pairs], "BASE": [b / 10 for _, b in pairs]})
    out = derive_vars_pasi_crit(ds, filter=pl.lit(True))
    for (a, b), p50, p75, p90, p100 in zip(
        pairs, out["CRIT1FL"], out["CRIT2FL"], out["CRIT3FL"], out["CRIT4FL"], strict=True
    ):
        improvement = Fraction(100 * (b - a), b)
        assert (p50 == "Y") == (improvement >= 50)
        assert (p75 == "Y") == (improvement >= 75)
        assert (p90 == "Y") == (improvement >= 90)
        assert (p100 == "Y") == (a == 0)


records = st.lists(
    st.tuples(
        st.sampled_from(["1", "2"]),
        st.sampled_from(["PASITOT", "BSA"]),
        st.sampled_from(["WEEK 4", "WEEK 12", None]),
        st.integers(min_value=0, max_value=3),
        st.integers(min_value=0, max_value=400),
        st.one_of(st.none(), st.floats(min_value=0, max_value=72, allow_nan=False)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(records)
def test_anl01fl_is_unique_per_window_and_closest(
    rows: list[tuple[str, str, str | None, int, int, float | None]],
) -> None:
    start = date(2026, 3, 2)
    ds = pl.DataFrame(
        {
            "USUBJID": [r[0] for r in rows],
            "PARAMCD": [r[1] for r in rows],
            "AVISIT": [r[2] for r in rows],
            "AWTDIFF": [r[3] for r in rows],
            "ADT": [start + timedelta(days=r[4]) for r in rows],
            "SRCSEQ": list(range(1, len(rows) + 1)),
            "AVAL": [r[5] for r in rows],
        },
        schema_overrides={"AVISIT": pl.String, "AVAL": pl.Float64, "ADT": pl.Date},
    )
    out = derive_var_anl01fl(ds)
    flagged = out.filter(pl.col("ANL01FL") == "Y")
    assert not flagged.select("USUBJID", "PARAMCD", "AVISIT").is_duplicated().any()
    candidates = out.filter(pl.col("AVISIT").is_not_null() & pl.col("AVAL").is_not_null())
    # Every window with a candidate has exactly one analysis record, the best by
    # (distance to target, date, sequence).
    for (subject, param, visit), group in candidates.group_by(["USUBJID", "PARAMCD", "AVISIT"]):
        best = group.sort(["AWTDIFF", "ADT", "SRCSEQ"]).row(0, named=True)
        chosen = group.filter(pl.col("ANL01FL") == "Y")
        assert chosen.height == 1, (subject, param, visit)
        assert chosen["SRCSEQ"][0] == best["SRCSEQ"]
    assert (
        out.filter(pl.col("AVAL").is_null())["ANL01FL"].null_count()
        == out.filter(pl.col("AVAL").is_null()).height
    )
