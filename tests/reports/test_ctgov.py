"""Registry results (ClinicalTrials.gov API v2 resultsSection) from the demo's analysis."""

from __future__ import annotations

import json
from typing import Any

import polars as pl
import pytest

from psotrial.reports.ctgov import CTCAE_VOCABULARY, build_ctgov_results

# The keys the registry's data model requires of each module (API v2 study data structure).
MODULE_KEYS = {
    "participantFlowModule": {"groups", "periods"},
    "baselineCharacteristicsModule": {"groups", "denoms", "measures"},
    "outcomeMeasuresModule": {"outcomeMeasures"},
    "adverseEventsModule": {
        "frequencyThreshold",
        "timeFrame",
        "description",
        "eventGroups",
        "seriousEvents",
        "otherEvents",
    },
}
MEASURE_KEYS = {"type", "title", "timeFrame", "paramType", "unitOfMeasure", "groups", "classes"}


@pytest.fixture(scope="module")
def section(report_demo: Any) -> dict[str, Any]:
    results = build_ctgov_results(report_demo.analysis, report_demo.protocol)
    assert list(results) == ["resultsSection"]
    return dict(results["resultsSection"])


def count(stats: list[dict[str, Any]]) -> int:
    (only,) = stats
    return int(only["numSubjects"])


def test_build_ctgov_results_has_the_registry_modules(section: dict[str, Any]) -> None:
    assert list(section) == list(MODULE_KEYS)
    for module, keys in MODULE_KEYS.items():
        assert keys <= set(section[module]), module


def test_build_ctgov_results_is_plain_json(report_demo: Any) -> None:
    results = build_ctgov_results(report_demo.analysis, report_demo.protocol)
    assert json.loads(json.dumps(results)) == results


def test_participant_flow_started_is_enrolled(section: dict[str, Any], report_demo: Any) -> None:
    flow = section["participantFlowModule"]
    assert [group["id"] for group in flow["groups"]] == ["FG000"]
    (period,) = flow["periods"]
    milestones = {m["type"]: count(m["achievements"]) for m in period["milestones"]}
    assert list(milestones) == ["STARTED", "COMPLETED", "NOT COMPLETED"]
    adsl = report_demo.adam["ADSL"]
    enrolled = adsl.filter(pl.col("ENRLFL") == "Y").height
    assert milestones["STARTED"] == enrolled == report_demo.analysis.disposition.enrolled
    assert milestones["STARTED"] == milestones["COMPLETED"] + milestones["NOT COMPLETED"]
    reasons = sum(count(drop["reasons"]) for drop in period["dropWithdraws"])
    assert reasons == milestones["NOT COMPLETED"]


def test_baseline_characteristics_denominators(section: dict[str, Any], report_demo: Any) -> None:
    baseline = section["baselineCharacteristicsModule"]
    n = report_demo.analysis.baseline.n
    assert baseline["denoms"] == [
        {"units": "Participants", "counts": [{"groupId": "BG000", "value": str(n)}]}
    ]
    titles = [measure["title"] for measure in baseline["measures"]]
    assert "Age, Continuous" in titles
    assert "Sex: Female, Male" in titles
    assert "Region of Enrollment" in titles
    # "Not reported" is a category, so every class of a count adds up to the population
    for measure in baseline["measures"]:
        if measure["paramType"] == "COUNT_OF_PARTICIPANTS" and measure["title"] != (
            "Region of Enrollment"
        ):
            for klass in measure["classes"]:
                values = [
                    int(m["value"])
                    for category in klass["categories"]
                    for m in category["measurements"]
                ]
                assert sum(values) == n, measure["title"]
    assert len(titles) == len(set(titles))
    (region,) = (m for m in baseline["measures"] if m["title"] == "Region of Enrollment")
    assert region["classes"][0]["title"] == "China"


def test_outcome_measures_follow_the_registry(section: dict[str, Any], report_demo: Any) -> None:
    measures = section["outcomeMeasuresModule"]["outcomeMeasures"]
    registered = report_demo.protocol.outcomes
    assert [m["title"] for m in measures] == [o.title for o in registered]
    assert [m["timeFrame"] for m in measures] == [o.time_frame for o in registered]
    assert [m["type"] for m in measures] == ["PRIMARY"] + ["SECONDARY"] * (len(registered) - 1)
    for measure in measures:
        assert set(measure) >= MEASURE_KEYS, measure["title"]
        assert measure["groups"][0]["id"] == "OG000"


def test_primary_outcome_reads_the_analysis(section: dict[str, Any], report_demo: Any) -> None:
    primary = section["outcomeMeasuresModule"]["outcomeMeasures"][0]
    result = report_demo.analysis.pasi_improvement
    assert (primary["paramType"], primary["dispersionType"]) == ("MEAN", "STANDARD_DEVIATION")
    (klass,) = primary["classes"]
    (measurement,) = klass["categories"][0]["measurements"]
    from psotrial.reports.display import format_number

    assert measurement["value"] == format_number(result.value.mean)
    assert klass["denoms"][0]["counts"][0]["value"] == str(result.value.n)
    (analysis,) = primary["analyses"]
    assert analysis["statisticalMethod"] == "Wilcoxon signed-rank test"
    assert analysis["groupIds"] == ["OG000"]


def test_responder_outcomes_count_nri_first(section: dict[str, Any], report_demo: Any) -> None:
    measures = {m["title"]: m for m in section["outcomeMeasuresModule"]["outcomeMeasures"]}
    pasi75 = measures["PASI-75"]
    assert (pasi75["paramType"], pasi75["dispersionType"]) == ("NUMBER", "CONFIDENCE_95")
    rate = report_demo.analysis.pasi75.primary
    nri = pasi75["classes"][0]
    assert nri["title"].startswith("Non-responder imputation")
    assert nri["denoms"][0]["counts"][0]["value"] == str(rate.nri.n)
    (measurement,) = nri["categories"][0]["measurements"]
    if rate.nri.n:
        assert measurement["comment"] == f"{rate.nri.count} of {rate.nri.n} participants."
        assert float(measurement["lowerLimit"]) <= float(measurement["value"])
        assert float(measurement["value"]) <= float(measurement["upperLimit"])


def test_adverse_events_by_term(section: dict[str, Any], report_demo: Any) -> None:
    events = section["adverseEventsModule"]
    safety = report_demo.analysis.safety
    (group,) = events["eventGroups"]
    assert group["id"] == "EG000"
    assert group["seriousNumAtRisk"] == group["otherNumAtRisk"] == safety.n
    overview = {row.term: row.participants for row in safety.overview.rows}
    assert group["seriousNumAffected"] == overview["Serious TEAE"]
    assert group["otherNumAffected"] == overview["Any TEAE"]
    assert group["deathsNumAffected"] <= overview["Fatal TEAE (grade 5)"]
    assert events["timeFrame"] == next(
        o.time_frame for o in report_demo.protocol.outcomes if o.measure == "relapse_rate"
    )
    listed = events["seriousEvents"] + events["otherEvents"]
    assert listed, "the demo reports adverse events"
    for event in listed:
        assert event["sourceVocabulary"] == CTCAE_VOCABULARY
        assert event["assessmentType"] == "SYSTEMATIC_ASSESSMENT"
        assert event["organSystem"]
        (stats,) = event["stats"]
        assert stats["groupId"] == "EG000"
        assert 0 < stats["numAffected"] <= stats["numAtRisk"] == safety.n
        assert stats["numEvents"] >= stats["numAffected"] or event in events["otherEvents"]
    # every TEAE of the summary is in the registry: serious plus other events, term by term
    total = sum(row.events for row in safety.by_soc_term if row.term and row.soc)
    assert sum(event["stats"][0]["numEvents"] for event in listed) == total
