"""``build_analysed`` in groups of participants gives exactly the datasets of the whole study.

Groups of one or a few participants are the hardest case: any derivation that looked across
subjects (TS's counts, a study-wide data cut, a sort, a baseline) would differ there.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from psotrial.capture.extract import load_captured, load_data_cut, load_participants
from psotrial.reports.build import REPORT_STEPS, build_analysed
from psotrial.reports.digest import compute_adam_digest
from psotrial.sdtm.conform import concat_sorted
from psotrial.sdtm.specs import SDTM_SPECS
from psotrial.sdtm.subjects import order_subjects
from psotrial.stats.build import ANALYSED_PARAMS, build_analysis


def _same(left: pl.DataFrame, right: pl.DataFrame, name: str) -> None:
    assert left.schema == right.schema, name
    assert left.equals(right), name


def _same_analysed(built: Any, whole: dict[str, pl.DataFrame]) -> None:
    """``built`` holds ``whole`` in full, and narrowed to the analysed parameters."""
    assert list(built.adam) == list(whole)
    full = built.full_adam()
    for name, frame in whole.items():
        _same(full[name], frame, name)
        params = ANALYSED_PARAMS.get(name)
        narrowed = frame if params is None else frame.filter(pl.col("PARAMCD").is_in(params))
        _same(built.adam[name], narrowed, name)
        assert built.records[name] == frame.height, name
    assert built.adam["ADPASI"].height < whole["ADPASI"].height
    assert built.compute_digest() == compute_adam_digest(whole)


@pytest.mark.parametrize(("imputation", "chunk"), [("nri", 1), ("locf", 4), ("nri", 7)])
def test_groups_of_participants_give_the_whole_studys_datasets(
    demo_study: Any, imputation: str, chunk: int
) -> None:
    seconds: dict[str, float] = {}
    steps: list[str] = []
    with demo_study.factory() as session:
        built = build_analysed(
            session,
            demo_study.protocol,
            imputation=imputation,
            chunk=chunk,
            keep_sdtm=list(SDTM_SPECS),
            seconds=seconds,
            on_step=steps.append,
        )
    assert demo_study.captured.participants.height > chunk
    assert list(built.sdtm) == list(SDTM_SPECS)
    for name, frame in demo_study.sdtm.items():
        _same(built.sdtm[name], frame, name)
    whole = demo_study.adam[imputation]
    _same_analysed(built, {**whole, "IE": demo_study.sdtm["IE"]})
    assert built.data_cut == demo_study.captured.data_cut
    assert built.synthetic is True
    assert set(seconds) == {"load_captured", "build_sdtm", "build_adam"}
    assert steps == list(REPORT_STEPS[:3])
    if imputation == "nri":
        analysed = {**whole, "IE": demo_study.sdtm["IE"]}
        expected = build_analysis(analysed, demo_study.protocol, data_cut=built.data_cut)
        got = build_analysis(built.adam, demo_study.protocol, data_cut=built.data_cut)
        assert repr(got) == repr(expected)


def test_a_study_within_one_group_is_built_at_once(demo_study: Any) -> None:
    with demo_study.factory() as session:
        built = build_analysed(session, demo_study.protocol, imputation="nri")
    _same_analysed(built, {**demo_study.adam["nri"], "IE": demo_study.sdtm["IE"]})
    assert list(built.sdtm) == ["IE"]


def test_load_captured_of_some_participants_is_the_whole_filtered(demo_study: Any) -> None:
    whole = demo_study.captured
    with demo_study.factory() as session:
        chosen = order_subjects(load_participants(session, demo_study.protocol))[3:11]
        part = load_captured(session, demo_study.protocol, participants=chosen)
        assert load_data_cut(session, demo_study.protocol) == whole.data_cut
    assert part.data_cut == whole.data_cut
    ids = pl.Series(chosen)
    entry_ids = whole.entries.filter(pl.col("participant_id").is_in(ids.implode()))["entry_id"]
    for name, key, keep in [
        ("participants", "participant_id", ids),
        ("visits", "participant_id", ids),
        ("verdicts", "participant_id", ids),
        ("entries", "participant_id", ids),
        ("items", "entry_id", entry_ids),
        ("scores", "entry_id", entry_ids),
    ]:
        expected = getattr(whole, name).filter(pl.col(key).is_in(keep.implode()))
        assert expected.height, name
        _same(getattr(part, name), expected, name)
    _same(part.study, whole.study, "study")
    _same(part.sites, whole.sites, "sites")


def test_order_subjects_is_the_usubjid_order(demo_study: Any) -> None:
    with demo_study.factory() as session:
        order = order_subjects(load_participants(session, demo_study.protocol))
    keys = demo_study.captured.participants.select(
        "participant_id", pl.coalesce("participant_code", "screening_number").alias("SUBJID")
    )
    by_id = dict(keys.iter_rows())
    dm = demo_study.sdtm["DM"]["SUBJID"].to_list()
    assert [by_id[p] for p in order] == dm


def test_concat_sorted_sorts_parts_out_of_order_stably() -> None:
    parts = [
        pl.DataFrame({"USUBJID": ["B", "C"], "N": [1, 2]}),
        pl.DataFrame({"USUBJID": ["A", "A"], "N": [4, 3]}),
        pl.DataFrame({"USUBJID": [], "N": []}, schema={"USUBJID": pl.String, "N": pl.Int64}),
    ]
    assert concat_sorted(parts, ["USUBJID"]).rows() == [("A", 4), ("A", 3), ("B", 1), ("C", 2)]
    in_order = concat_sorted([parts[1], parts[2], parts[0]], ["USUBJID"])
    assert in_order.rows() == [("A", 4), ("A", 3), ("B", 1), ("C", 2)]


def test_report_counts_and_hashes_the_datasets_in_full(demo_study: Any) -> None:
    from datetime import UTC, datetime

    from psotrial.reports.build import build_report, load_report_data

    with demo_study.factory() as session:
        data = load_report_data(
            session, demo_study.protocol, imputation="nri", now=datetime(2026, 9, 1, tzinfo=UTC)
        )
    whole = {**demo_study.adam["nri"], "IE": demo_study.sdtm["IE"]}
    assert data.adam["ADPASI"].height < whole["ADPASI"].height
    built = build_report(data, pdf=False)
    assert built.digest == compute_adam_digest(whole)
    assert f"ADPASI ({whole['ADPASI'].height} records)" in built.html
    assert built.digest in built.html
