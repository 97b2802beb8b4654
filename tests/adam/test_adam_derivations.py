"""Each derivation on literal tables (admiral-style tests: input and expected side by side)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from psotrial.adam import (
    CensorSource,
    EventSource,
    compute_analysis_windows,
    compute_dtc_date,
    derive_locf_records,
    derive_nri_records,
    derive_param_tte,
    derive_var_ablfl,
    derive_var_anl01fl,
    derive_var_base,
    derive_var_chg,
    derive_var_extreme_flag,
    derive_var_pchg,
    derive_var_shift,
    derive_var_trtemfl,
    derive_vars_atoxgr,
    derive_vars_avisit,
    derive_vars_crit_flag,
    derive_vars_dt,
    derive_vars_dy,
    derive_vars_merged,
    derive_vars_pasi_crit,
    derive_vars_qs_crit,
)
from psotrial.errors import (
    DerivationError,
    DuplicateRecordsError,
    MissingVariablesError,
    NotFoundError,
)
from psotrial.protocol import Protocol

D = date


# --- baseline ---------------------------------------------------------------------------


def test_derive_var_ablfl_last_non_missing_on_or_before_first_infusion() -> None:
    ds = pl.DataFrame(
        {
            "USUBJID": ["1"] * 4 + ["2"] * 2,
            "PARAMCD": ["PASITOT"] * 6,
            "AVAL": [20.0, 12.0, None, 6.0, None, 9.0],
            "ADT": [
                D(2026, 2, 20),
                D(2026, 3, 1),
                D(2026, 3, 2),
                D(2026, 3, 30),
                D(2026, 3, 9),
                D(2026, 3, 23),
            ],
            "TRTSDT": [D(2026, 3, 2)] * 4 + [D(2026, 3, 9)] * 2,
        }
    )
    # Subject 2's only pre-dose value is missing, so it has no baseline.
    assert derive_var_ablfl(ds, order=["ADT"])["ABLFL"].to_list() == [
        "N" if False else None,
        "Y",
        None,
        None,
        None,
        None,
    ]


def test_derive_var_ablfl_ignores_imputed_records() -> None:
    ds = pl.DataFrame(
        {
            "USUBJID": ["1", "1"],
            "PARAMCD": ["P", "P"],
            "AVAL": [5.0, 6.0],
            "ADT": [D(2026, 3, 1), D(2026, 3, 2)],
            "TRTSDT": [D(2026, 3, 2)] * 2,
            "DTYPE": [None, "LOCF"],
        }
    )
    assert derive_var_ablfl(ds, order=["ADT"])["ABLFL"].to_list() == ["Y", None]


def test_derive_var_extreme_flag_raises_on_tie() -> None:
    ds = pl.DataFrame({"USUBJID": ["1", "1"], "ADT": [D(2026, 3, 1)] * 2})
    with pytest.raises(DuplicateRecordsError, match="USUBJID, ADT"):
        derive_var_extreme_flag(ds, by_vars=["USUBJID"], order=["ADT"], new_var="F", mode="last")


def test_derive_var_base_copies_baseline_and_refuses_two() -> None:
    ds = pl.DataFrame(
        {
            "USUBJID": ["1", "1", "2"],
            "PARAMCD": ["P"] * 3,
            "AVAL": [20.0, 5.0, 3.0],
            "ABLFL": ["Y", None, None],
        }
    )
    assert derive_var_base(ds)["BASE"].to_list() == [20.0, 20.0, None]
    with pytest.raises(DuplicateRecordsError):
        derive_var_base(ds.with_columns(pl.lit("Y").alias("ABLFL")))


def test_derive_var_base_requires_its_variables() -> None:
    with pytest.raises(MissingVariablesError, match="ABLFL"):
        derive_var_base(pl.DataFrame({"USUBJID": ["1"], "PARAMCD": ["P"], "AVAL": [1.0]}))


# --- change -----------------------------------------------------------------------------


def test_derive_var_chg_and_pchg_are_exact() -> None:
    ds = pl.DataFrame({"AVAL": [1.9, 0.9, 18.0, 3.0, None], "BASE": [7.6, 9.0, 15.0, 0.0, 5.0]})
    out = derive_var_pchg(derive_var_chg(ds))
    expected = ds.with_columns(
        pl.Series("CHG", [-5.7, -8.1, 3.0, 3.0, None]),
        pl.Series("PCHG", [-75.0, -90.0, 20.0, None, None]),
    )
    assert_frame_equal(out, expected)


def test_derive_var_chg_restricted_by_filter() -> None:
    ds = pl.DataFrame({"AVAL": [7.6, 1.9], "BASE": [7.6, 7.6], "POST": [False, True]})
    assert derive_var_chg(ds, filter=pl.col("POST"))["CHG"].to_list() == [None, -5.7]


# --- criteria ---------------------------------------------------------------------------

# domain.md §1.4 R1-R8: (baseline, value, PASI-50, 75, 90, 100)
PASI_VECTORS = [
    ("R1", 20.0, 5.0, "Y", "Y", "N", "N"),
    ("R2", 7.6, 1.9, "Y", "Y", "N", "N"),  # exactly 75%: 74.99999999999999 in floats
    ("R3", 9.0, 0.9, "Y", "Y", "Y", "N"),  # exactly 90%
    ("R4", 9.9, 2.5, "Y", "N", "N", "N"),
    ("R5", 14.7, 7.4, "N", "N", "N", "N"),
    ("R6", 15.0, 18.0, "N", "N", "N", "N"),
    ("R7", 8.1, 0.0, "Y", "Y", "Y", "Y"),
    ("R8", 22.6, 2.2, "Y", "Y", "Y", "N"),
    ("11.2->2.8", 11.2, 2.8, "Y", "Y", "N", "N"),
    ("13.0->1.3", 13.0, 1.3, "Y", "Y", "Y", "N"),
]


@pytest.mark.parametrize(("case", "base", "value", "p50", "p75", "p90", "p100"), PASI_VECTORS)
def test_derive_vars_pasi_crit_domain_vectors(
    case: str, base: float, value: float, p50: str, p75: str, p90: str, p100: str
) -> None:
    out = derive_vars_pasi_crit(
        pl.DataFrame({"AVAL": [value], "BASE": [base]}), filter=pl.lit(True)
    )
    assert out.select("CRIT1FL", "CRIT2FL", "CRIT3FL", "CRIT4FL").row(0) == (p50, p75, p90, p100)
    assert out["CRIT2"][0] == "PASI 75: 100*(BASE-AVAL) >= 75*BASE"


def test_derive_vars_pasi_crit_null_without_baseline_or_outside_filter() -> None:
    ds = pl.DataFrame(
        {"AVAL": [1.0, 1.0, 1.0], "BASE": [None, 0.0, 5.0], "KEEP": [True, True, False]}
    )
    out = derive_vars_pasi_crit(ds, filter=pl.col("KEEP"))
    assert out["CRIT1FL"].to_list() == [None, None, None]
    assert out["CRIT1"].to_list()[:2] == ["PASI 50: 100*(BASE-AVAL) >= 50*BASE"] * 2


def test_derive_vars_crit_flag_values_yn_false_and_numeric() -> None:
    ds = pl.DataFrame({"CHG": [-4.0, -3.0, None]})
    out = derive_vars_crit_flag(
        ds,
        crit_nr=2,
        condition=pl.col("CHG") <= -4,
        description="x",
        values_yn=False,
        create_numeric_flag=True,
    )
    assert out["CRIT2FL"].to_list() == ["Y", None, None]
    assert out["CRIT2"].to_list() == ["x", None, None]
    assert out["CRIT2FN"].to_list() == [1, 0, None]
    with pytest.raises(DerivationError, match="crit_nr"):
        derive_vars_crit_flag(ds, crit_nr=0, condition=pl.lit(True), description="x")


def test_derive_vars_qs_crit_mcid_vectors() -> None:
    # domain.md D11: DLQI 14 -> 10 improved, 14 -> 11 not; itch VAS 60 -> 50 improved, 51 not.
    ds = pl.DataFrame(
        {
            "PARAMCD": ["DLQITOT", "DLQITOT", "DLQITOT", "ITCHVAS", "ITCHVAS"],
            "AVAL": [10.0, 11.0, 1.0, 50.0, 51.0],
            "BASE": [14.0, 14.0, 3.0, 60.0, 60.0],
        }
    )
    out = derive_vars_qs_crit(ds, filter=pl.lit(True))
    assert out["CRIT1FL"].to_list() == ["Y", "N", "N", "Y", "N"]
    assert out["CRIT2FL"].to_list() == ["N", "N", "Y", None, None]
    assert out["CRIT1"].to_list()[3] == "Pruritus VAS MCID: CHG <= -10 mm"


# --- windows ----------------------------------------------------------------------------


def test_derive_vars_avisit_windows_of_the_protocol(protocol: Protocol) -> None:
    windows = compute_analysis_windows(protocol, form="pasi")
    ds = pl.DataFrame({"ADY": [-28, -29, 1, 2, 82, 88, 113, None]})
    out = derive_vars_avisit(ds, windows=windows)
    assert out.select("AVISIT", "AVISITN", "AWTDIFF", "OUTWINFL").rows() == [
        ("SCREENING", -1.0, 27, None),
        (None, None, None, "Y"),
        ("WEEK 0", 0.0, 0, None),
        (None, None, None, "Y"),  # day 2: W0 allows no delay, W2 starts on day 12
        ("WEEK 12", 12.0, 3, None),
        ("WEEK 12", 12.0, 3, None),
        ("WEEK 16", 16.0, 0, None),
        (None, None, None, None),
    ]


def test_derive_var_anl01fl_closest_then_earlier_on_tie() -> None:
    ds = pl.DataFrame(
        {
            "USUBJID": ["1"] * 4,
            "PARAMCD": ["P"] * 4,
            "AVISIT": ["WEEK 12"] * 3 + [None],
            "AVAL": [2.0, 1.5, 1.0, 3.0],
            "AWTDIFF": [2, 2, 3, None],
            "ADT": [D(2026, 5, 23), D(2026, 5, 27), D(2026, 5, 28), D(2026, 6, 1)],
        }
    )
    assert derive_var_anl01fl(ds)["ANL01FL"].to_list() == ["Y", None, None, None]


# --- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtc", "level", "imputation", "expected"),
    [
        ("2026-03-02T09:30", "n", "first", (D(2026, 3, 2), None)),
        ("2026-03", "n", "first", (None, None)),
        ("2026-03", "D", "first", (D(2026, 3, 1), "D")),
        ("2024-02", "M", "last", (D(2024, 2, 29), "D")),
        ("2026", "M", "last", (D(2026, 12, 31), "M")),
        ("2026-02-30", "M", "first", (None, None)),
        ("", "M", "first", (None, None)),
    ],
)
def test_compute_dtc_date_imputation(
    dtc: str, level: str, imputation: str, expected: tuple[date | None, str | None]
) -> None:
    assert compute_dtc_date(dtc, highest_imputation=level, date_imputation=imputation) == expected  # type: ignore[arg-type]


def test_derive_vars_dt_and_dy_have_no_day_zero() -> None:
    ds = pl.DataFrame(
        {"AESTDTC": ["2026-03-01", "2026-03-02", "2026-03"], "TRTSDT": [D(2026, 3, 2)] * 3}
    )
    out = derive_vars_dy(
        derive_vars_dt(ds, new_vars_prefix="AST", dtc="AESTDTC", highest_imputation="M"),
        source_vars=["ASTDT"],
    )
    assert out.select("ASTDY", "ASTDTF").rows() == [(-1, None), (1, None), (-1, "D")]


# --- merge, occurrence ------------------------------------------------------------------


def test_derive_vars_merged_renames_and_refuses_duplicates() -> None:
    adsl = pl.DataFrame({"USUBJID": ["1", "2"], "AVAL": [7.6, 9.0]})
    ds = pl.DataFrame({"USUBJID": ["2", "1"], "X": [0, 0]})
    out = derive_vars_merged(ds, dataset_add=adsl, by_vars=["USUBJID"], new_vars={"PASIBL": "AVAL"})
    assert out.rows() == [("2", 0, 9.0), ("1", 0, 7.6)]
    with pytest.raises(DuplicateRecordsError):
        derive_vars_merged(ds, dataset_add=pl.concat([adsl, adsl]), by_vars=["USUBJID"])


def test_derive_var_trtemfl_with_end_window() -> None:
    ds = pl.DataFrame(
        {
            "TRTSDT": [D(2026, 3, 2), D(2026, 3, 2), None],
            "TRTEDT": [D(2026, 4, 27)] * 2 + [None],
            "ASTDT": [D(2026, 5, 27), D(2026, 5, 28), D(2026, 3, 5)],
            "AENDT": [None, None, None],
        }
    )
    out = derive_var_trtemfl(ds, trt_end_date="TRTEDT", end_window=30)
    assert out["TRTEMFL"].to_list() == ["Y", None, None]


# --- toxicity ---------------------------------------------------------------------------

# domain.md §7.1 boundary vectors (admiral test-derive_var_atoxgr.R), plus combination.
TOX_VECTORS = [
    ("PLAT", 75.0, "10^9/L", 125.0, 350.0, "-1"),
    ("PLAT", 74.0, "10^9/L", 125.0, 350.0, "-2"),
    ("PLAT", 24.0, "10^9/L", 125.0, 350.0, "-4"),
    ("WBC", 2.9, "10^9/L", 3.5, 9.5, "-2"),
    ("ALT", 121.0, "U/L", 7.0, 40.0, "2"),
    ("ALT", 40.0, "U/L", 7.0, 40.0, "0"),
    ("CA", 3.5, "mmol/L", 2.11, 2.5, "4"),
    ("CA", 1.9, "mmol/L", 2.11, 2.52, "-2"),
    ("CA", 2.3, "mmol/L", 2.11, 2.52, "0"),
    ("PLAT", 200.0, "10^9/L", None, None, None),
    ("CYSTATC", 2.0, "mg/L", 0.51, 1.09, None),
]


@pytest.mark.parametrize(("test", "value", "unit", "lln", "uln", "grade"), TOX_VECTORS)
def test_derive_vars_atoxgr_ctcae_boundaries(
    test: str, value: float, unit: str, lln: float | None, uln: float | None, grade: str | None
) -> None:
    ds = pl.DataFrame(
        {"PARAMCD": [test], "AVAL": [value], "AVALU": [unit], "ANRLO": [lln], "ANRHI": [uln]},
        schema_overrides={"ANRLO": pl.Float64, "ANRHI": pl.Float64},
    )
    out = derive_vars_atoxgr(ds, base_var=None)
    assert out["ATOXGR"][0] == grade
    assert out["ATOXGRN"][0] == (None if grade is None else int(grade))


def test_derive_vars_atoxgr_corrects_calcium_with_albumin() -> None:
    # Payne: 2.1 + 0.02 x (40 - 30) = 2.3 mmol/L, normal; uncorrected 2.1 is grade 1 low.
    ds = pl.DataFrame(
        {
            "PARAMCD": ["CA", "CA"],
            "AVAL": [2.1, 2.1],
            "AVALU": ["mmol/L"] * 2,
            "ANRLO": [2.11] * 2,
            "ANRHI": [2.52] * 2,
            "ALB": [30.0, None],
        }
    )
    assert derive_vars_atoxgr(ds, base_var=None, albumin_var="ALB")["ATOXGR"].to_list() == [
        "0",
        "-1",
    ]


def test_derive_var_shift() -> None:
    ds = pl.DataFrame({"BTOXGR": ["0", None], "ATOXGR": ["-2", "1"]})
    out = derive_var_shift(ds, new_var="SHIFT2", from_var="BTOXGR", to_var="ATOXGR")
    assert out["SHIFT2"].to_list() == ["0 to -2", "NULL to 1"]


# --- imputation -------------------------------------------------------------------------


def _visits() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "USUBJID": ["1"] * 3,
            "PARAMCD": ["PASITOT"] * 3,
            "AVISIT": ["WEEK 0", "WEEK 2", "WEEK 8"],
            "AVISITN": [0.0, 2.0, 8.0],
            "AVAL": [9.0, 4.0, 3.0],
            "ANL01FL": ["Y", "Y", "Y"],
            "SRCSEQ": [1, 2, 3],
            "PARAM": ["PASI Total Score"] * 3,
            "CRIT1": ["PASI 50"] * 3,
            "CRIT1FL": ["N", "Y", "Y"],
        }
    )


def _expected_visits(*visits: tuple[str, float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "USUBJID": ["1"] * len(visits),
            "PARAMCD": ["PASITOT"] * len(visits),
            "AVISIT": [v for v, _ in visits],
            "AVISITN": [n for _, n in visits],
        }
    )


def test_derive_locf_records_carries_the_last_earlier_value() -> None:
    ref = _expected_visits(("WEEK 2", 2.0), ("WEEK 4", 4.0), ("WEEK 6", 6.0), ("WEEK 12", 12.0))
    out = derive_locf_records(_visits(), dataset_ref=ref, keep_vars=["PARAM"])
    added = out.filter(pl.col("DTYPE") == "LOCF").sort("AVISITN")
    assert added.select("AVISIT", "AVAL", "SRCSEQ", "ANL01FL", "PARAM").rows() == [
        ("WEEK 4", 4.0, 2, "Y", "PASI Total Score"),
        ("WEEK 6", 4.0, 2, "Y", "PASI Total Score"),
        ("WEEK 12", 3.0, 3, "Y", "PASI Total Score"),
    ]
    assert out.height == 6


def test_derive_nri_records_marks_non_responders() -> None:
    ref = _expected_visits(("WEEK 8", 8.0), ("WEEK 12", 12.0))
    out = derive_nri_records(_visits(), dataset_ref=ref, crit_nrs=[1])
    added = out.filter(pl.col("DTYPE") == "NRI")
    assert added.select("AVISIT", "AVAL", "CRIT1", "CRIT1FL", "ANL01FL").rows() == [
        ("WEEK 12", None, "PASI 50", "N", "Y")
    ]


# --- time to event ----------------------------------------------------------------------


def test_derive_param_tte_first_event_else_last_censor() -> None:
    adsl = pl.DataFrame(
        {
            "STUDYID": ["S"] * 3,
            "USUBJID": ["1", "2", "3"],
            "TRTSDT": [D(2026, 3, 2), D(2026, 3, 9), None],
        }
    )
    visits = pl.DataFrame(
        {
            "STUDYID": ["S"] * 5,
            "USUBJID": ["1", "1", "1", "2", "3"],
            "ADT": [D(2026, 3, 30), D(2026, 4, 27), D(2026, 5, 25), D(2026, 3, 23), D(2026, 4, 1)],
            "RESP": ["N", "Y", "Y", "N", "Y"],
            "ASEQ": [4, 6, 7, 2, 1],
        }
    )
    out = derive_param_tte(
        adsl,
        source_datasets={"ADPASI": visits, "ADSL": adsl},
        event_conditions=[EventSource("ADPASI", "ADT", "PASI 50", pl.col("RESP") == "Y", "ASEQ")],
        censor_conditions=[
            CensorSource("ADPASI", "ADT", "LAST ASSESSMENT", seq_var="ASEQ"),
            CensorSource("ADSL", "TRTSDT", "TREATMENT START"),
        ],
        set_values_to={"PARAMCD": "TTPASI50"},
    )
    assert out.select(
        "USUBJID", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC", "CNSDTDSC", "SRCDOM", "SRCSEQ"
    ).rows() == [
        ("1", D(2026, 3, 2), D(2026, 4, 27), 57, 0, "PASI 50", None, "ADPASI", 6),
        ("2", D(2026, 3, 9), D(2026, 3, 23), 15, 1, None, "LAST ASSESSMENT", "ADPASI", 2),
    ]


def test_derive_param_tte_refuses_unknown_source() -> None:
    adsl = pl.DataFrame({"STUDYID": ["S"], "USUBJID": ["1"], "TRTSDT": [D(2026, 3, 2)]})
    with pytest.raises(NotFoundError, match="unknown source dataset 'ADRS'"):
        derive_param_tte(
            adsl,
            source_datasets={},
            event_conditions=[EventSource("ADRS", "ADT", "x")],
            censor_conditions=[],
            set_values_to={},
        )


def test_dose_deviation_is_decided_exactly_on_cell_counts() -> None:
    from psotrial.adam.adsl import _dose_deviations

    rows = [  # (EXSEQ, planned, actual): exactly 10% off is within plan; one cell more is not
        ("1", "120000000", "132000000"),
        ("2", "120000000", "132000001"),
        ("3", "120000000", "107999999"),
        ("4", "120000000", "108000000"),
    ]
    supp = pl.DataFrame(
        {
            "USUBJID": ["S-1"] * 8,
            "IDVARVAL": [seq for seq, _, _ in rows for _ in (0, 1)],
            "QNAM": ["PLANCELL", "ACTCELL"] * 4,
            "QVAL": [v for _, planned, actual in rows for v in (planned, actual)],
        }
    )
    result = _dose_deviations({"SUPPEX": supp})
    assert result.to_dicts() == [{"USUBJID": "S-1", "NDOSDEV": 2}]
