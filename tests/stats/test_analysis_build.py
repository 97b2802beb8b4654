"""build_analysis on the demo trial's ADaM: it runs, and its numbers are the ADaM counts."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from psotrial.stats import (
    METHODS,
    Analysis,
    ContinuousOutcome,
    KaplanMeier,
    MixedModel,
    RelapseOutcome,
    ResponderOutcome,
    SignedRankTest,
    build_analysis,
)

Frames = dict[str, pl.DataFrame]


@pytest.fixture(scope="module")
def adam(demo_study: Any) -> Frames:
    return dict(demo_study.adam["nri"])


@pytest.fixture(scope="module")
def analysis(adam: Frames, demo_study: Any) -> Analysis:
    return build_analysis(adam, demo_study.protocol)


def week12(adpasi: pl.DataFrame, paramcd: str) -> pl.DataFrame:
    return adpasi.filter(
        pl.col("PARAMCD") == paramcd, pl.col("ANL01FL") == "Y", pl.col("AVISIT") == "WEEK 12",
        pl.col("FASFL") == "Y",
    )  # fmt: skip


def test_outcomes_follow_the_registry(analysis: Analysis, demo_study: Any) -> None:
    measures = [o.measure for o in demo_study.protocol.outcomes]
    assert [o.outcome.measure for o in analysis.outcomes if o.outcome] == measures
    assert isinstance(analysis.outcomes[0], ContinuousOutcome)
    assert analysis.outcomes[0].outcome is not None
    assert analysis.outcomes[0].outcome.kind == "primary"
    assert isinstance(analysis.relapse, RelapseOutcome)
    assert analysis.imputation == "nri"
    assert analysis.registry_id == "NCT03745417"
    assert analysis.data_cut == adam_cut(analysis)


def adam_cut(analysis: Analysis) -> Any:
    return analysis.data_cut


def test_primary_outcome_equals_adam(analysis: Analysis, adam: Frames) -> None:
    impr = week12(adam["ADPASI"], "PASIIMPR").filter(pl.col("DTYPE").is_null())
    primary = analysis.pasi_improvement
    assert primary.value.n == impr.height > 0
    assert primary.value.mean == pytest.approx(impr["AVAL"].mean())
    assert primary.value.median == pytest.approx(impr["AVAL"].median())
    chg = week12(adam["ADPASI"], "PASITOT").filter(pl.col("DTYPE").is_null())["CHG"]
    assert primary.change.n == chg.len()
    assert primary.change.mean == pytest.approx(chg.mean())
    assert isinstance(primary.signed_rank, SignedRankTest)
    assert primary.signed_rank.n + primary.signed_rank.n_zero == chg.len()
    fas = adam["ADSL"].filter(pl.col("FASFL") == "Y").height
    assert len(primary.participants) == fas
    assert primary.participants_note is None
    listed = {p.usubjid: p for p in primary.participants}
    for row in impr.iter_rows(named=True):
        assert listed[row["USUBJID"]].improvement_pct == pytest.approx(row["AVAL"])
    assert isinstance(primary.mixed_model, MixedModel)


def test_responders_equal_adam(analysis: Analysis, adam: Frames) -> None:
    records = week12(adam["ADPASI"], "PASITOT")
    for outcome, flag in ((analysis.pasi50, "CRIT1FL"), (analysis.pasi75, "CRIT2FL")):
        assert isinstance(outcome, ResponderOutcome)
        observed = records.filter(pl.col("DTYPE").is_null())
        nri = records.filter(pl.col("DTYPE").is_null() | (pl.col("DTYPE") == "NRI"))
        assert outcome.primary.observed.count == int((observed[flag] == "Y").sum())
        assert outcome.primary.observed.n == observed.height
        assert outcome.primary.nri is not None
        assert (outcome.primary.nri.count, outcome.primary.nri.n) == (
            int((nri[flag] == "Y").sum()),
            nri.height,
        )
    assert next(r.avisit for r in analysis.pasi_responders.rows) == "WEEK 2"


def test_relapse_and_time_to_event_equal_adam(analysis: Analysis, adam: Frames) -> None:
    adtte = adam["ADTTE"].filter(pl.col("FASFL") == "Y")
    km = analysis.relapse.time_to_relapse
    assert isinstance(km, KaplanMeier)
    relapse = adtte.filter(pl.col("PARAMCD") == "TTRELPRO")
    assert (km.n, km.events) == (relapse.height, int((relapse["CNSR"] == 0).sum()))
    # every participant reaching PASI-50 by week 12 has a relapse time from that visit
    assert analysis.relapse.treatment_protocol.n <= relapse.height
    assert isinstance(analysis.relapse.time_to_pasi50, KaplanMeier)
    assert analysis.relapse.time_to_pasi50.n == adtte.filter(pl.col("PARAMCD") == "TTPASI50").height


def test_study_tables_equal_adam(analysis: Analysis, adam: Frames) -> None:
    adsl, adae = adam["ADSL"], adam["ADAE"]
    flow = analysis.disposition
    assert flow.screened == adsl.height
    assert flow.enrolled == int((adsl["ENRLFL"] == "Y").sum())
    assert flow.completed + flow.discontinued + flow.ongoing == flow.enrolled
    teae = adae.filter(pl.col("TRTEMFL") == "Y", pl.col("SAFFL") == "Y")
    any_teae = analysis.safety.overview.rows[0]
    assert (any_teae.participants, any_teae.events) == (teae["USUBJID"].n_unique(), teae.height)
    assert sum(r.events for r in analysis.safety.by_soc_term if r.term is None) == teae.height
    assert analysis.safety.exposure.total_infusions == int(
        adsl.filter(pl.col("SAFFL") == "Y")["NINFUS"].sum()
    )
    assert analysis.baseline.n == int((adsl["FASFL"] == "Y").sum())
    out = adam["ADPASI"].filter(pl.col("PARAMCD") == "PASITOT", pl.col("OUTWINFL") == "Y")
    assert analysis.deviations.out_of_window[0].count == out.height
    assert analysis.dlqi.shift is not None
    assert analysis.dlqi.shift.n > 0
    assert {m.key for m in METHODS} >= {"summaries", "wilcoxon", "responders", "relapse"}


def test_build_analysis_locf_has_no_nri(demo_study: Any) -> None:
    result = build_analysis(demo_study.adam["locf"], demo_study.protocol)
    assert result.imputation == "locf"
    assert result.pasi50.primary.nri is None


def test_build_analysis_ten_thousand_participants(adam: Frames, demo_study: Any) -> None:
    copies = 400  # 30 demo participants x 400 = 12,000
    big = {
        name: pl.concat(
            (frame.with_columns(pl.col("USUBJID") + f"-{k:03d}") for k in range(copies)),
            rechunk=True,
        )
        for name, frame in adam.items()
    }
    result = build_analysis(big, demo_study.protocol)
    assert result.disposition.screened == 30 * copies
    assert result.pasi_improvement.participants == ()
    assert result.pasi_improvement.participants_note is not None
    small = build_analysis(adam, demo_study.protocol)
    assert result.pasi_improvement.value.n == copies * small.pasi_improvement.value.n
    assert result.pasi50.primary.nri is not None
    assert small.pasi50.primary.nri is not None
    assert result.pasi50.primary.nri.count == copies * small.pasi50.primary.nri.count
    assert result.pasi_improvement.value.mean == pytest.approx(small.pasi_improvement.value.mean)
