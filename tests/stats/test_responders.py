"""PASI responder rates of an external long dataset: exact thresholds, exact CIs."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from psotrial.errors import FieldError
from psotrial.instruments.response import check_pasi_response
from psotrial.stats.descriptive import compute_rate
from psotrial.stats.responders import (
    PASI_LEVELS,
    VisitResponders,
    build_pasi_responders,
    build_responders_json,
    compute_clopper_pearson,
)

PUBLIC = Path(__file__).resolve().parents[1] / "data" / "public-synthetic-psoriasis-trial-2021.csv"


def frame(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["USUBJID", "ARM", "AVISIT", "AVAL"], orient="row")


def pairs(values: list[tuple[str, str]], visit: str = "W12") -> pl.DataFrame:
    """One participant per (baseline, value) pair, all in arm X."""
    rows = []
    for i, (base, value) in enumerate(values):
        rows += [(f"P{i:03d}", "X", "BASELINE", base), (f"P{i:03d}", "X", visit, value)]
    return frame(rows)


def counts(result: VisitResponders) -> tuple[int, ...]:
    return (result.n, *(result.responders[level].count for level in PASI_LEVELS))


# --- Clopper-Pearson -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "n", "low", "high"),
    [
        # R: binom.test(682, 925)$conf.int (the example of R's documentation, Conover 1971)
        (682, 925, 0.7076683, 0.7654066),
        # closed forms at the ends: x = 0 -> [0, 1 - (a/2)^(1/n)], x = n -> [(a/2)^(1/n), 1]
        (0, 10, 0.0, 1 - 0.025 ** (1 / 10)),
        (10, 10, 0.025 ** (1 / 10), 1.0),
        (1, 1, 0.025, 1.0),
        # x = 1, n = 2: Beta(1, 2) and Beta(2, 1) quantiles are 1 - sqrt(1 - p) and sqrt(p)
        (1, 2, 1 - 0.975**0.5, 0.975**0.5),
    ],
)
def test_compute_clopper_pearson_published_and_closed_forms(
    count: int, n: int, low: float, high: float
) -> None:
    assert compute_clopper_pearson(count, n) == pytest.approx((low, high), abs=5e-8)


def test_compute_clopper_pearson_level_widens_interval() -> None:
    narrow = compute_clopper_pearson(5, 20, level=0.90)
    wide = compute_clopper_pearson(5, 20, level=0.99)
    assert wide[0] < narrow[0] < 0.25 < narrow[1] < wide[1]


@pytest.mark.parametrize(
    ("count", "n", "level", "field"),
    [(1, 0, 0.95, "n"), (3, 2, 0.95, "count"), (-1, 5, 0.95, "count"), (1, 5, 1.0, "level")],
)
def test_compute_clopper_pearson_refuses_bad_input(
    count: int, n: int, level: float, field: str
) -> None:
    with pytest.raises(FieldError) as caught:
        compute_clopper_pearson(count, n, level=level)
    assert caught.value.field == field


# --- exact thresholds ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "value", "expected"),
    [
        # domain.md §1 test vectors R1-R6 and the float traps of rule 2
        ("20.0", "5.0", (1, 1, 1, 0, 0)),  # R1: 75%
        ("7.6", "1.9", (1, 1, 1, 0, 0)),  # R2: exactly 75% (float: 74.99999999999999)
        ("9.0", "0.9", (1, 1, 1, 1, 0)),  # R3: exactly 90% (float: 89.99999999999999)
        ("9.9", "2.5", (1, 1, 0, 0, 0)),  # R4: 74.7475%
        ("14.7", "7.4", (1, 0, 0, 0, 0)),  # R5: 49.6599%
        ("15.0", "18.0", (1, 0, 0, 0, 0)),  # R6: worse
        ("11.2", "2.8", (1, 1, 1, 0, 0)),  # exactly 75%
        ("13.0", "1.3", (1, 1, 1, 1, 0)),  # exactly 90%
        ("13", "0", (1, 1, 1, 1, 1)),  # PASI-100, integers as written
        ("7.60", "1.900", (1, 1, 1, 0, 0)),  # trailing zeros change nothing
        # two and more decimals: the scale follows the file
        ("7.65", "1.9125", (1, 1, 1, 0, 0)),  # exactly 75%
        ("7.65", "1.9126", (1, 1, 0, 0, 0)),  # just short of it
        # 20 decimals: beyond int64 after scaling, decided on int128
        ("10.000000000000000001", "2.50000000000000000025", (1, 1, 1, 0, 0)),
        ("10.000000000000000001", "2.50000000000000000026", (1, 1, 0, 0, 0)),
        (".5", "+0.25", (1, 1, 0, 0, 0)),  # 50% exactly, leading dot and plus sign
    ],
)
def test_build_pasi_responders_exact_boundaries(
    base: str, value: str, expected: tuple[int, ...]
) -> None:
    (result,) = build_pasi_responders(pairs([(base, value)]))
    assert counts(result) == expected


@pytest.mark.parametrize(
    ("usubjid", "visit", "base", "value", "expected"),
    [
        # hand-checked rows of the public file that sit exactly on a threshold
        ("SUBJECT 144", "WEEK01", "10.4", "2.6", (1, 1, 1, 0, 0)),  # exactly 75%
        ("SUBJECT 036", "WEEK04", "14.0", "1.4", (1, 1, 1, 1, 0)),  # exactly 90%
        ("SUBJECT 282", "WEEK04", "18.6", "9.3", (1, 1, 0, 0, 0)),  # exactly 50%
        ("SUBJECT 379", "WEEK52", "13.6", "3.4", (1, 1, 1, 0, 0)),  # exactly 75%
    ],
)
def test_build_pasi_responders_boundary_rows_of_the_public_dataset(
    usubjid: str, visit: str, base: str, value: str, expected: tuple[int, ...]
) -> None:
    rows = public_long().filter(
        (pl.col("USUBJID") == usubjid) & pl.col("AVISIT").is_in(["BASELINE", visit])
    )
    assert rows.get_column("AVAL").to_list() == [base, value]
    (result,) = build_pasi_responders(rows)
    assert counts(result) == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 720), st.integers(0, 720)), min_size=1, max_size=30))
def test_build_pasi_responders_agrees_with_the_scalar_rule(tenths: list[tuple[int, int]]) -> None:
    text = [(f"{b // 10}.{b % 10}", f"{p // 10}.{p % 10}") for b, p in tenths]
    (result,) = build_pasi_responders(pairs(text))
    for level in PASI_LEVELS:
        expected = sum(check_pasi_response(b, p, level) for b, p in tenths)
        assert result.responders[level].count == expected
    improvement = sum(Fraction(100 * (b - p), b) for b, p in tenths) / len(tenths)
    assert result.mean_improvement_pct == pytest.approx(float(improvement))


# --- imputation ------------------------------------------------------------------------


def test_build_pasi_responders_observed_and_nri() -> None:
    rows = frame(
        [
            ("A", "X", "BASELINE", "20"),
            ("A", "X", "W4", "10"),
            ("A", "X", "W12", "4.9"),
            ("B", "X", "BASELINE", "10"),
            ("B", "X", "W4", "NA"),  # missing: NRI counts a non-responder
            ("B", "X", "W12", "2.5"),
            ("C", "X", "BASELINE", "12"),  # baseline only: counted under NRI
            ("D", "X", "BASELINE", "NA"),  # no baseline: never counted
            ("D", "X", "W12", "1"),
            ("E", "Y", "W4", "8"),  # arm Y has no baseline at all
            ("E", "Y", "BASELINE", ""),
        ]
    )
    observed = build_pasi_responders(rows)
    assert [(r.arm, r.visit) for r in observed] == [("X", "W4"), ("X", "W12"), ("Y", "W4")]
    assert [counts(r) for r in observed] == [(1, 1, 0, 0, 0), (2, 2, 2, 0, 0), (0, 0, 0, 0, 0)]
    assert observed[0].mean_improvement_pct == pytest.approx(50.0)
    assert observed[1].mean_improvement_pct == pytest.approx((75.5 + 75.0) / 2)
    assert observed[2].mean_improvement_pct is None
    nri = build_pasi_responders(rows, imputation="nri")
    assert [counts(r) for r in nri] == [(3, 1, 0, 0, 0), (3, 2, 2, 0, 0), (0, 0, 0, 0, 0)]
    # the mean improvement is over observed values under both
    assert nri[1].mean_improvement_pct == observed[1].mean_improvement_pct


def test_build_pasi_responders_custom_baseline_visit() -> None:
    rows = frame([("A", "X", "DAY 1", "10"), ("A", "X", "DAY 85", "2.5")])
    (result,) = build_pasi_responders(rows, baseline_visit="DAY 1")
    assert counts(result) == (1, 1, 1, 0, 0)


# --- errors name the line and the column -----------------------------------------------


@pytest.mark.parametrize(
    ("rows", "where", "words"),
    [
        ([("A", "X", "BASELINE", "12,5")], "line 2, column AVAL", "'12,5'"),
        ([("A", "X", "BASELINE", "10"), ("A", "X", "W4", "abc")], "line 3, column AVAL", "NA"),
        ([("A", "X", "BASELINE", "-1")], "line 2, column AVAL", "0 to 72"),
        ([("A", "X", "BASELINE", "72.1")], "line 2, column AVAL", "0 to 72"),
        ([("A", "X", "BASELINE", "100")], "line 2, column AVAL", "0 to 72"),
        ([("A", "X", "BASELINE", "1e1")], "line 2, column AVAL", "decimal number"),
        ([("A", "X", "BASELINE", "0")], "line 2, column AVAL", "undefined"),
        ([("A", "", "BASELINE", "10")], "line 2, column ARM", "expected a value"),
        ([("A", "X", "W4", "10")], "column AVISIT", "no baseline rows"),
        (
            [("A", "X", "BASELINE", "10"), ("A", "X", "W4", "5"), ("A", "X", "W4", "6")],
            "line 4, columns USUBJID+AVISIT",
            "also on line 3",
        ),
        (
            [("A", "X", "BASELINE", "10"), ("A", "Y", "W4", "5")],
            "line 3, column ARM",
            "'X' on line 2",
        ),
    ],
)
def test_build_pasi_responders_errors_name_line_and_column(
    rows: list[tuple[str, str, str, str]], where: str, words: str
) -> None:
    with pytest.raises(FieldError) as caught:
        build_pasi_responders(frame(rows))
    assert caught.value.field == where
    assert words in caught.value.msg


def test_build_pasi_responders_missing_column() -> None:
    rows = pl.DataFrame({"USUBJID": ["A"], "ARM": ["X"], "VISIT": ["BASELINE"], "AVAL": ["1"]})
    with pytest.raises(FieldError) as caught:
        build_pasi_responders(rows)
    assert caught.value.field == "line 1"
    assert "missing column(s) AVISIT" in caught.value.msg


def test_build_pasi_responders_counts_further_bad_rows() -> None:
    rows = frame([("A", "X", "BASELINE", "x"), ("B", "X", "BASELINE", "y")])
    with pytest.raises(FieldError, match=r"1 more such rows"):
        build_pasi_responders(rows)


# --- the JSON shape --------------------------------------------------------------------


def test_build_responders_json_rounds_half_up_from_the_exact_fraction() -> None:
    # 1/16 = 6.25%: half up gives 6.3 (banker's rounding would give 6.2)
    result = VisitResponders("X", "W12", 16, {50: compute_rate(1, 16)}, 12.25)
    cell = build_responders_json([result], places=1)["arms"]["X"]["W12"]
    assert cell["n"] == 16
    assert cell["pasi50"]["pct"] == 6.3
    assert cell["mean_improvement_pct"] == 12.3
    empty = VisitResponders("X", "W4", 0, {50: compute_rate(0, 0)}, None)
    assert build_responders_json([empty])["arms"]["X"]["W4"] == {
        "n": 0,
        "pasi50": {"count": 0, "pct": None, "ci95": None},
        "mean_improvement_pct": None,
    }


# --- the public dataset ----------------------------------------------------------------


def public_long() -> pl.DataFrame:
    """The wide public file as long rows, in file order (patient by patient)."""
    with PUBLIC.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        visits = [name for name in reader.fieldnames or [] if name not in ("USUBJID", "TRT")]
        rows = [
            (row["USUBJID"], row["TRT"], visit, row[visit]) for row in reader for visit in visits
        ]
    return frame(rows)


def independent(imputation: str) -> dict[tuple[str, str], tuple[int, ...]]:
    """Plain Python on the wide file: Fractions, no polars."""
    with PUBLIC.open(newline="", encoding="utf-8") as handle:
        patients = list(csv.DictReader(handle))
    visits = [name for name in patients[0] if name not in ("USUBJID", "TRT", "BASELINE")]
    out: dict[tuple[str, str], tuple[int, ...]] = {}
    for arm in dict.fromkeys(patient["TRT"] for patient in patients):
        for visit in visits:
            n, met = 0, [0, 0, 0, 0]
            for patient in patients:
                if patient["TRT"] != arm or patient["BASELINE"] == "NA":
                    continue
                if patient[visit] == "NA" and imputation == "observed":
                    continue
                n += 1
                if patient[visit] == "NA":
                    continue
                base, value = Fraction(patient["BASELINE"]), Fraction(patient[visit])
                for i, level in enumerate(PASI_LEVELS):
                    met[i] += 100 * (base - value) >= level * base
            out[(arm, visit)] = (n, *met)
    return out


@pytest.mark.parametrize("imputation", ["observed", "nri"])
def test_build_pasi_responders_reproduces_the_public_dataset(imputation: str) -> None:
    results = build_pasi_responders(public_long(), imputation=imputation)  # type: ignore[arg-type]
    expected = independent(imputation)
    assert [(r.arm, r.visit) for r in results] == list(expected)
    assert {(r.arm, r.visit): counts(r) for r in results} == expected


@pytest.mark.parametrize(
    ("arm", "imputation", "expected"),
    [
        # week 16: n, PASI-50, PASI-75, PASI-90, PASI-100 (NA at week 16 is 2, 1, 4 per arm)
        ("ACTIVE TREATMENT DOSE 01", "observed", (298, 287, 263, 216, 82)),
        ("ACTIVE TREATMENT DOSE 02", "observed", (299, 291, 275, 219, 96)),
        ("COMPARATOR TREATMENT", "observed", (296, 274, 220, 148, 33)),
        ("ACTIVE TREATMENT DOSE 01", "nri", (300, 287, 263, 216, 82)),
        ("COMPARATOR TREATMENT", "nri", (300, 274, 220, 148, 33)),
    ],
)
def test_build_pasi_responders_public_week16(
    arm: str, imputation: str, expected: tuple[int, ...]
) -> None:
    results = build_pasi_responders(public_long(), imputation=imputation)  # type: ignore[arg-type]
    (week16,) = [r for r in results if r.arm == arm and r.visit == "WEEK16"]
    assert counts(week16) == expected
