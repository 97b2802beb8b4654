"""Safety tables, DLQI bands, disposition and baseline on literal ADaM tables."""

from __future__ import annotations

import polars as pl

from psotrial.stats import (
    CountRow,
    NotEstimable,
    build_ae_by_grade,
    build_ae_by_relationship,
    build_ae_overview,
    build_disposition,
    build_dlqi_band_shift,
    build_exposure,
    build_infusion_reactions,
    build_lab_shifts,
    build_serious_events,
)

ADAE = pl.DataFrame(
    {
        "USUBJID": ["a", "a", "b", "c", "c"],
        "TRTEMFL": ["Y", "Y", "Y", "Y", None],
        "SAFFL": ["Y"] * 5,
        "AEDECOD": ["Infusion related reaction", "Fever", "Infusion related reaction",
                    "Appendicitis", "Headache"],
        "AESOC": ["Injury", "General", "Injury", "Infections", "Nervous"],
        "ATOXGR": ["1", "2", "1", "3", "1"],
        "ATOXGRN": [1, 2, 1, 3, 1],
        "ASER": ["N", "N", "N", "Y", "N"],
        "AREL": ["POSSIBLY RELATED", "NOT RELATED", "PROBABLY RELATED", "UNLIKELY RELATED",
                 "NOT RELATED"],
        "RELGR1": ["RELATED", "NOT RELATED", "RELATED", "NOT RELATED", "NOT RELATED"],
        "ASTDT": pl.Series(["2026-01-01", "2026-01-05", "2026-01-02", "2026-02-01",
                            "2025-12-01"]).str.to_date(),
    }
)  # fmt: skip


def test_build_ae_overview_grade_relationship() -> None:
    overview = {r.term: (r.participants, r.events) for r in build_ae_overview(ADAE, n=4).rows}
    assert overview == {
        "Any TEAE": (3, 4),
        "Related TEAE": (2, 2),
        "Serious TEAE": (1, 1),
        "Grade >= 3 TEAE": (1, 1),
        "Fatal TEAE (grade 5)": (0, 0),
    }
    grades = {r.term: (r.participants, r.events) for r in build_ae_by_grade(ADAE, n=4)}
    assert grades["Grade 1"] == (1, 2)
    assert grades["Grade 2"] == (1, 1)
    assert grades["Grade 3"] == (1, 1)
    rel = {r.term: (r.participants, r.events) for r in build_ae_by_relationship(ADAE, n=4)}
    assert rel["POSSIBLY RELATED"] == (1, 1)
    assert rel["PROBABLY RELATED"] == (1, 1)
    assert rel["UNLIKELY RELATED"] == (1, 1)
    assert rel["NOT RELATED"] == (0, 1)


def test_build_serious_events_and_infusion_reactions() -> None:
    (sae,) = build_serious_events(ADAE)
    assert (sae.usubjid, sae.term, sae.grade) == ("c", "Appendicitis", "3")
    reactions = build_infusion_reactions(ADAE, infusions=12)
    assert (reactions.events, reactions.participants, reactions.per_infusion.count) == (2, 2, 2)
    assert reactions.per_infusion.n == 12


def test_build_exposure() -> None:
    adsl = pl.DataFrame({"USUBJID": ["a", "b", "c"], "SAFFL": ["Y", "Y", "N"],
                         "NINFUS": [5, 3, 0], "TRTDURD": [57, 29, None]})  # fmt: skip
    exposure = build_exposure(adsl, planned_infusions=5)
    assert (exposure.treated, exposure.total_infusions, exposure.infusions.mean) == (2, 8, 4.0)
    assert exposure.infusions_received == (
        CountRow("5 infusions", 1, 2),
        CountRow("3 infusions", 1, 2),
    )
    assert isinstance(exposure.cells_per_kg, NotEstimable)


def test_build_lab_shifts_worst_grade() -> None:
    adlb = pl.DataFrame(
        {"USUBJID": ["a", "a", "a", "b", "b"], "PARAMCD": ["ALT"] * 5, "PARAM": ["ALT"] * 5,
         "ATOXGRN": [0, 1, 2, 1, None], "ABLFL": ["Y", None, None, "Y", None],
         "ANL01FL": ["Y"] * 5, "SAFFL": ["Y"] * 5, "ADY": [-3, 15, 29, 1, 15]}
    )  # fmt: skip
    (shift,) = build_lab_shifts(adlb)
    table = shift.table
    assert table.rows == ("0", "1", "2", "3", "4")
    assert table.columns[-1] == "Missing"
    assert table.counts[0][2] == 1
    assert table.counts[1][table.columns.index("Missing")] == 1
    assert table.n == 2


def test_build_dlqi_band_shift() -> None:
    adqs = pl.DataFrame(
        {"USUBJID": ["a", "a", "b", "b", "c"], "PARAMCD": ["DLQITOT"] * 5,
         "ABLFL": ["Y", None, "Y", None, "Y"], "ANL01FL": ["Y"] * 5,
         "DTYPE": [None] * 5, "FASFL": ["Y"] * 5,
         "AVISIT": ["WEEK 0", "WEEK 12", "WEEK 0", "WEEK 12", "WEEK 0"],
         "AVAL": [12.0, 5.0, 1.0, 2.0, 21.0]}
    )  # fmt: skip
    table = build_dlqi_band_shift(adqs, avisit="WEEK 12")
    cell = {
        (r, c): table.counts[i][j]
        for i, r in enumerate(table.rows)
        for j, c in enumerate(table.columns)
    }
    assert cell[("11-20 very large effect", "2-5 small effect")] == 1
    assert cell[("0-1 no effect", "2-5 small effect")] == 1
    assert cell[("21-30 extremely large effect", "Missing")] == 1
    assert table.n == 3


def test_build_disposition() -> None:
    adsl = pl.DataFrame(
        {"USUBJID": list("abcde"), "SCRNFL": ["Y"] * 5, "ENRLFL": ["Y", "Y", "Y", "N", "N"],
         "SAFFL": ["Y", "Y", "Y", "N", "N"], "FASFL": ["Y", "Y", "N", "N", "N"],
         "PPROTFL": ["Y", "N", "N", "N", "N"],
         "EOSSTT": ["COMPLETED", "DISCONTINUED", "ONGOING", None, None],
         "DCSREAS": [None, "ADVERSE EVENT", None, None, None]}
    )  # fmt: skip
    ie = pl.DataFrame({"USUBJID": ["d", "e", "e"], "IETEST": ["PASI > 7", "PASI > 7", "Age"]})
    flow = build_disposition(adsl, ie=ie)
    assert (flow.screened, flow.screen_failures, flow.enrolled, flow.treated) == (5, 2, 3, 3)
    assert (flow.completed, flow.discontinued, flow.ongoing) == (1, 1, 1)
    assert flow.discontinued_reasons == (CountRow("ADVERSE EVENT", 1, 1),)
    assert flow.screen_failure_reasons == (CountRow("PASI > 7", 2, 2), CountRow("Age", 1, 2))
    assert (flow.populations.full_analysis, flow.populations.per_protocol) == (2, 1)
    assert build_disposition(adsl).screen_failure_reasons == ()
