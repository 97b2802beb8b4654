"""build_adam on the literal SDTM of conftest.py: every dataset, population and parameter."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from psotrial.adam import ADAM_SPECS, build_adam
from psotrial.errors import DerivationError
from psotrial.protocol import Protocol

Frames = dict[str, pl.DataFrame]


@pytest.fixture
def adam(literal_sdtm: Frames, protocol: Protocol) -> Frames:
    return build_adam(literal_sdtm, protocol)


def test_build_adam_returns_every_dataset_shaped_by_its_spec(adam: Frames) -> None:
    assert list(adam) == ["ADSL", "ADPASI", "ADQS", "ADLB", "ADAE", "ADTTE"]
    for name, frame in adam.items():
        assert tuple(frame.columns) == ADAM_SPECS[name].variable_names
        assert {"STUDYID", "USUBJID"} <= set(frame.columns)


def test_adam_specs_respect_xpt_limits_and_document_derivations() -> None:
    for spec in ADAM_SPECS.values():
        assert len(spec.name) <= 8
        assert len(spec.label) <= 40
        for variable in spec.variables:
            assert len(variable.name) <= 8, variable.name
            assert variable.name.isupper(), variable.name
            assert len(variable.label) <= 40, variable.label
            if variable.origin == "Derived":
                assert variable.method, f"{spec.name}.{variable.name} has no method"


def test_adsl_populations_and_disposition(adam: Frames) -> None:
    adsl = adam["ADSL"]
    got = adsl.select(
        "USUBJID", "SCRNFL", "ENRLFL", "SAFFL", "FASFL", "PPROTFL", "EOSSTT", "DCSREAS", "NINFUS"
    ).rows()
    assert got == [
        ("S-001", "Y", "Y", "Y", "Y", "Y", "COMPLETED", None, 5),
        ("S-002", "Y", "Y", "Y", "Y", "N", "DISCONTINUED", "ADVERSE EVENT", 2),
        ("S-003", "Y", "N", "N", "N", "N", None, None, 0),
    ]
    first = adsl.row(0, named=True)
    assert (first["TRTSDT"], first["TRTEDT"], first["TRTDURD"]) == (
        date(2026, 3, 2),
        date(2026, 4, 27),
        57,
    )
    # Baseline weight is the last on or before TRTSDT (61.5, not the later 60.0).
    assert (first["PASIBL"], first["DLQIBL"], first["ITCHBL"], first["WEIGHTBL"]) == (
        7.6,
        14.0,
        62.0,
        61.5,
    )
    assert first["BMIBL"] == 23.4  # 61.5 / 1.62^2 = 23.43...


def test_adpasi_pasi_total_baseline_windows_and_exact_criteria(adam: Frames) -> None:
    total = adam["ADPASI"].filter((pl.col("USUBJID") == "S-001") & (pl.col("PARAMCD") == "PASITOT"))
    got = total.select(
        "AVISIT", "AVAL", "ABLFL", "BASE", "CHG", "PCHG", "CRIT1FL", "CRIT2FL", "ANL01FL"
    ).rows()
    assert got == [
        ("SCREENING", 20.0, None, 7.6, None, None, None, None, "Y"),
        ("WEEK 0", 7.6, "Y", 7.6, None, None, None, None, "Y"),
        ("WEEK 2", 5.0, None, 7.6, -2.6, pytest.approx(-34.2105263), "N", "N", "Y"),
        ("WEEK 4", 3.8, None, 7.6, -3.8, -50.0, "Y", "N", "Y"),
        ("WEEK 6", 3.0, None, 7.6, -4.6, pytest.approx(-60.5263158), "Y", "N", "Y"),
        ("WEEK 8", 1.9, None, 7.6, -5.7, -75.0, "Y", "Y", "Y"),
        ("WEEK 12", 2.0, None, 7.6, -5.6, pytest.approx(-73.6842105), "Y", "N", "Y"),
        ("WEEK 12", 1.5, None, 7.6, -6.1, pytest.approx(-80.2631579), "Y", "Y", None),
        ("WEEK 16", 4.0, None, 7.6, -3.6, pytest.approx(-47.3684211), "N", "N", "Y"),
        ("WEEK 20", 4.1, None, 7.6, -3.5, pytest.approx(-46.0526316), "N", "N", "Y"),
        ("WEEK 24", 3.0, None, 7.6, -4.6, pytest.approx(-60.5263158), "Y", "N", "Y"),
    ]
    # Traceability: each value leads back to its RS record.
    assert total["SRCDOM"].unique().to_list() == ["RS"]
    assert total["SRCSEQ"].to_list() == list(range(1, 12))


def test_adpasi_improvement_rate_is_minus_pchg(adam: Frames) -> None:
    adpasi = adam["ADPASI"]
    rate = adpasi.filter((pl.col("PARAMCD") == "PASIIMPR") & (pl.col("USUBJID") == "S-001"))
    assert rate["PARAMTYP"].unique().to_list() == ["DERIVED"]
    week8 = rate.filter(pl.col("AVISIT") == "WEEK 8")
    assert week8["AVAL"].to_list() == [75.0]
    total = adpasi.filter(
        (pl.col("PARAMCD") == "PASITOT")
        & (pl.col("USUBJID") == "S-001")
        & pl.col("PCHG").is_not_null()
    )
    assert rate["AVAL"].to_list() == [-p for p in total["PCHG"].to_list()]


def test_adpasi_nri_imputes_non_responders_after_discontinuation(adam: Frames) -> None:
    s002 = adam["ADPASI"].filter((pl.col("USUBJID") == "S-002") & (pl.col("PARAMCD") == "PASITOT"))
    imputed = s002.filter(pl.col("DTYPE") == "NRI")
    assert imputed["AVISIT"].to_list() == [f"WEEK {w}" for w in (4, 6, 8, 12, 16, 20, 24)]
    assert imputed.select("CRIT1FL", "CRIT2FL", "CRIT3FL", "CRIT4FL").unique().rows() == [
        ("N", "N", "N", "N")
    ]
    assert imputed["AVAL"].null_count() == imputed.height
    # Week 2 is observed: exactly 90% (domain.md R3).
    week2 = s002.filter(pl.col("AVISIT") == "WEEK 2").row(0, named=True)
    assert (week2["CRIT3FL"], week2["PCHG"]) == ("Y", -90.0)


def test_adpasi_locf_carries_forward_and_none_adds_nothing(
    literal_sdtm: Frames, protocol: Protocol
) -> None:
    locf = build_adam(literal_sdtm, protocol, imputation="locf")["ADPASI"]
    carried = locf.filter(
        (pl.col("USUBJID") == "S-002")
        & (pl.col("PARAMCD") == "PASITOT")
        & (pl.col("DTYPE") == "LOCF")
    )
    assert carried["AVAL"].unique().to_list() == [0.9]
    assert carried["CRIT3FL"].unique().to_list() == ["Y"]
    assert carried["SRCSEQ"].unique().to_list() == [2]
    none = build_adam(literal_sdtm, protocol, imputation="none")["ADPASI"]
    assert none["DTYPE"].null_count() == none.height


def test_build_adam_refuses_unknown_imputation(literal_sdtm: Frames, protocol: Protocol) -> None:
    with pytest.raises(DerivationError, match="nri, locf, none"):
        build_adam(literal_sdtm, protocol, imputation="bocf")  # type: ignore[arg-type]


def test_adqs_mcid_flags(adam: Frames) -> None:
    dlqi = adam["ADQS"].filter((pl.col("USUBJID") == "S-001") & (pl.col("PARAMCD") == "DLQITOT"))
    week4 = dlqi.filter(pl.col("AVISIT") == "WEEK 4").row(0, named=True)
    assert (week4["CHG"], week4["CRIT1FL"], week4["CRIT1"]) == (-4.0, "Y", "DLQI MCID: CHG <= -4")


def test_adlb_grades_baseline_and_shift(adam: Frames) -> None:
    adlb = adam["ADLB"]
    platelets = adlb.filter(pl.col("PARAMCD") == "PLAT").select(
        "AVAL", "ABLFL", "ANRIND", "BNRIND", "ATOXGR", "BTOXGR", "SHIFT1", "SHIFT2"
    )
    assert platelets.rows() == [
        (210.0, "Y", "NORMAL", "NORMAL", "0", "0", "NORMAL to NORMAL", "0 to 0"),
        (74.0, None, "LOW", "NORMAL", "-2", "0", "NORMAL to LOW", "0 to -2"),
    ]
    # Calcium 2.0 with albumin 30 g/L: Payne-corrected 2.2 mmol/L, normal.
    calcium = adlb.filter(pl.col("PARAMCD") == "CA").row(0, named=True)
    assert (calcium["ATOXGR"], calcium["ANRIND"]) == ("0", "LOW")
    assert adlb.filter(pl.col("PARAMCD") == "CYSTATC")["ATOXGR"].to_list() == [None]


def test_adae_treatment_emergence_severity_and_relatedness(adam: Frames) -> None:
    got = (
        adam["ADAE"]
        .select("USUBJID", "AESEQ", "ASTDT", "ASTDTF", "ASTDY", "TRTEMFL", "ASEV", "RELGR1", "ASER")
        .rows()
    )
    assert got == [
        ("S-001", 1, date(2026, 3, 2), None, 1, "Y", "MILD", "RELATED", "N"),
        ("S-001", 2, date(2026, 2, 25), None, -5, None, "MODERATE", "NOT RELATED", "N"),
        # "2026-03" could be on or after the first infusion (2026-03-09): imputed to it.
        ("S-002", 1, date(2026, 3, 9), "D", 1, "Y", "SEVERE", "NOT RELATED", "Y"),
    ]


def test_adtte_response_and_relapse(adam: Frames) -> None:
    got = (
        adam["ADTTE"]
        .select("USUBJID", "PARAMCD", "STARTDT", "ADT", "AVAL", "CNSR", "EVNTDESC", "SRCSEQ")
        .rows()
    )
    adpasi = adam["ADPASI"]
    aseq = dict(
        adpasi.filter((pl.col("PARAMCD") == "PASITOT") & (pl.col("USUBJID") == "S-001"))
        .select("ADT", "ASEQ")
        .rows()
    )
    assert got == [
        (
            "S-001",
            "TTPASI50",
            date(2026, 3, 2),
            date(2026, 3, 30),
            29,
            0,
            "PASI 50 RESPONSE",
            aseq[date(2026, 3, 30)],
        ),
        # Protocol relapse at week 16: 2 x 4.0 > 7.6.
        (
            "S-001",
            "TTRELPRO",
            date(2026, 3, 30),
            date(2026, 6, 22),
            85,
            0,
            "PASI RELAPSE, PROTOCOL: 2*AVAL > BASE",
            aseq[date(2026, 6, 22)],
        ),
        # NPF: best 1.9 (gain 5.7); at worst 4.1 only 3.5 is kept: no relapse; censored.
        (
            "S-001",
            "TTRELNPF",
            date(2026, 3, 30),
            date(2026, 8, 17),
            141,
            1,
            None,
            aseq[date(2026, 8, 17)],
        ),
        ("S-002", "TTPASI50", date(2026, 3, 9), date(2026, 3, 23), 15, 0, "PASI 50 RESPONSE", 2),
        ("S-002", "TTRELPRO", date(2026, 3, 23), date(2026, 3, 23), 1, 1, None, 2),
        ("S-002", "TTRELNPF", date(2026, 3, 23), date(2026, 3, 23), 1, 1, None, 2),
    ]


def test_build_adam_requires_dm(protocol: Protocol) -> None:
    with pytest.raises(DerivationError, match="DM is required"):
        build_adam({}, protocol)
