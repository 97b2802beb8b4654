"""build_sdtm -> build_adam on the demo trial (the session's shared demo, SQLite).

Checks the structural promises of the ADaM datasets on realistic data: ADSL keys in every
dataset, one analysis record per participant, parameter and window, BASE/CHG/PCHG consistent
with AVAL and ABLFL, and a PASI value traced back to its RS record, its form entry and the
audit events of that entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from psotrial.db.engine import transaction
from psotrial.db.models import AuditEvent
from psotrial.sdtm import Captured

Frames = dict[str, pl.DataFrame]
BDS = ("ADPASI", "ADQS", "ADLB")


@dataclass
class Demo:
    factory: sessionmaker[Session]
    captured: Captured
    sdtm: Frames
    adam: dict[str, Frames]


@pytest.fixture(scope="module")
def demo(demo_study: Any) -> Demo:
    return Demo(demo_study.factory, demo_study.captured, demo_study.sdtm, demo_study.adam)


@pytest.mark.parametrize("imputation", ["nri", "locf"])
def test_adsl_keys_in_every_dataset(demo: Demo, imputation: str) -> None:
    adam = demo.adam[imputation]
    adsl = adam["ADSL"]
    assert adsl.height == demo.sdtm["DM"].height
    assert not adsl["USUBJID"].is_duplicated().any()
    subjects = set(adsl["USUBJID"])
    for name, frame in adam.items():
        assert {"STUDYID", "USUBJID"} <= set(frame.columns), name
        assert set(frame["USUBJID"]) <= subjects, name
        assert frame["STUDYID"].unique().to_list() == adsl["STUDYID"].unique().to_list(), name


@pytest.mark.parametrize("imputation", ["nri", "locf"])
def test_one_analysis_record_per_participant_parameter_window(demo: Demo, imputation: str) -> None:
    for name in BDS:
        flagged = demo.adam[imputation][name].filter(pl.col("ANL01FL") == "Y")
        assert flagged["AVISIT"].null_count() == 0, name
        assert not flagged.select("USUBJID", "PARAMCD", "AVISIT").is_duplicated().any(), name
        # Out-of-window records are listed but never analysis records.
        outside = demo.adam[imputation][name].filter(pl.col("OUTWINFL") == "Y")
        assert outside["ANL01FL"].null_count() == outside.height, name


@pytest.mark.parametrize("imputation", ["nri", "locf"])
def test_base_chg_pchg_consistent_with_aval_and_ablfl(demo: Demo, imputation: str) -> None:
    for name in BDS:
        frame = demo.adam[imputation][name]
        baselines = frame.filter(pl.col("ABLFL") == "Y")
        assert not baselines.select("USUBJID", "PARAMCD").is_duplicated().any(), name
        joined = frame.join(
            baselines.select("USUBJID", "PARAMCD", pl.col("AVAL").alias("BL")),
            on=["USUBJID", "PARAMCD"],
            how="left",
        )
        assert joined.filter(pl.col("BASE").ne_missing(pl.col("BL"))).height == 0, name
        for aval, base, chg, pchg in joined.select("AVAL", "BASE", "CHG", "PCHG").rows():
            if chg is not None:
                assert Decimal(repr(chg)) == Decimal(repr(aval)) - Decimal(repr(base))
            if pchg is not None:
                exact = (Fraction(Decimal(repr(aval))) - Fraction(Decimal(repr(base)))) / abs(
                    Fraction(Decimal(repr(base)))
                )
                assert pchg == float(exact * 100)


def test_every_enrolled_participant_is_in_a_population(demo: Demo) -> None:
    adsl = demo.adam["nri"]["ADSL"]
    assert adsl.filter(pl.col("FASFL") == "Y").height > 0
    assert adsl.filter((pl.col("FASFL") == "Y") & (pl.col("SAFFL") != "Y")).height == 0
    assert adsl.filter((pl.col("PPROTFL") == "Y") & (pl.col("FASFL") != "Y")).height == 0
    adtte = demo.adam["nri"]["ADTTE"]
    assert set(adtte["PARAMCD"]) == {"TTPASI50", "TTRELPRO", "TTRELNPF"}
    assert set(adtte["CNSR"]) <= {0, 1}
    assert adtte.filter(pl.col("AVAL") < 1).height == 0


def test_pasi_value_traces_back_to_rs_form_entry_and_audit(demo: Demo) -> None:
    adpasi = demo.adam["nri"]["ADPASI"]
    record = adpasi.filter(
        (pl.col("PARAMCD") == "PASITOT")
        & (pl.col("AVISIT") == "WEEK 12")
        & (pl.col("ANL01FL") == "Y")
        & pl.col("DTYPE").is_null()
    ).row(0, named=True)
    rs = (
        demo.sdtm["RS"]
        .filter((pl.col("USUBJID") == record["USUBJID"]) & (pl.col("RSSEQ") == record["SRCSEQ"]))
        .row(0, named=True)
    )
    assert (record["SRCDOM"], record["SRCVAR"]) == ("RS", "RSSTRESN")
    assert rs["RSTESTCD"] == "PASI0229"
    assert rs["RSSTRESN"] == record["AVAL"]
    entry_id = int(rs["RSSPID"].removeprefix("FE"))
    entry = demo.captured.entries.filter(pl.col("entry_id") == entry_id).row(0, named=True)
    assert entry["form_code"] == "pasi"
    assert entry["visit_code"] == "W12"
    with transaction(demo.factory) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == str(entry_id))
        ).all()
    assert actions, "the form entry has no audit history"


def test_adsl_cumulative_dose_and_dose_deviations_match_sdtm(demo: Demo) -> None:
    adsl = demo.adam["nri"]["ADSL"]
    ex, supp = demo.sdtm["EX"], demo.sdtm["SUPPEX"]
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for usubjid, seq, qnam, qval in supp.select("USUBJID", "IDVARVAL", "QNAM", "QVAL").iter_rows():
        cells.setdefault((usubjid, seq), {})[qnam] = int(qval) if qnam.endswith("CELL") else 0
    off: dict[str, int] = {}
    for (usubjid, _), row in cells.items():
        planned, actual = row.get("PLANCELL"), row.get("ACTCELL")
        if planned is not None and actual is not None and 10 * abs(actual - planned) > planned:
            off[usubjid] = off.get(usubjid, 0) + 1
    for usubjid, cumdose, ndosdev, saffl in adsl.select(
        "USUBJID", "CUMDOSE", "NDOSDEV", "SAFFL"
    ).iter_rows():
        doses = ex.filter(pl.col("USUBJID") == usubjid)["EXDOSE"].drop_nulls()
        if saffl == "Y":
            assert cumdose == pytest.approx(round(float(doses.sum()), 3)), usubjid
            assert ndosdev == off.get(usubjid, 0), usubjid
        else:
            assert ndosdev is None
    assert sum(off.values()) >= 1  # the demo has a dose deviation to find
