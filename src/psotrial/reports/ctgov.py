"""Registry results: the ClinicalTrials.gov ``resultsSection`` built from the analysis.

The export reads the same :class:`~psotrial.stats.analysis.Analysis` the study report
prints, so the registry and the report cannot disagree; numbers are rounded as the report
rounds them (half away from zero, :mod:`psotrial.reports.display`).

Field names and enumerations follow the ClinicalTrials.gov data model of the API v2
(``GET /api/v2/studies/{nctId}``, ``resultsSection``; https://clinicaltrials.gov/data-api/
about-api/study-data-structure): ``participantFlowModule`` (groups, periods with milestones
and dropWithdraws, achievements/reasons as ``numSubjects`` strings),
``baselineCharacteristicsModule`` (groups, denoms, measures with paramType, dispersionType,
unitOfMeasure, classes/categories/measurements), ``outcomeMeasuresModule``
(outcomeMeasures with type PRIMARY/SECONDARY, timeFrame, analyses with statisticalMethod
and pValue) and ``adverseEventsModule`` (frequencyThreshold, timeFrame, eventGroups with
seriousNumAffected/otherNumAffected, seriousEvents/otherEvents with organSystem,
sourceVocabulary, assessmentType and stats per group). Enumerations as the API spells
them: MeasureParam (``COUNT_OF_PARTICIPANTS``, ``MEAN``, ``NUMBER``), MeasureDispersionType
(``STANDARD_DEVIATION``, ``CONFIDENCE_95``, ``NA``), EventAssessment
(``SYSTEMATIC_ASSESSMENT``). Group ids use the registry's prefixes: FG (flow), BG
(baseline), OG (outcome), EG (events). Measurement values are strings, as in the API; a
value that cannot be computed is ``"NA"`` with a ``comment`` giving the reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from psotrial.protocol import Protocol
from psotrial.reports.display import format_number, format_p
from psotrial.stats.analysis import (
    AdverseEventRow,
    Analysis,
    ContinuousOutcome,
    NotEstimable,
    OutcomeResult,
    Rate,
    RelapseOutcome,
    ResponderOutcome,
    Summary,
)

__all__ = ["CTCAE_VOCABULARY", "build_ctgov_results"]

CTCAE_VOCABULARY = "CTCAE (5.0)"
"""``sourceVocabulary`` of every event: terms are CTCAE v5.0 (architecture.md, AE coding)."""

# ISO 3166-1 alpha-3 codes of the protocol's sites, as the registry names the country.
_COUNTRIES = {"CHN": "China"}
_PARTICIPANTS = "Participants"
# ADSL population flags as the registry reader knows them
_POPULATIONS = {
    "FASFL": "Full analysis set",
    "SAFFL": "Safety population",
    "PPROTFL": "Per-protocol set",
    "ENRLFL": "Enrolled participants",
}
# the SOC that psotrial.stats.safety gives events without one
_UNCODED = "Uncoded"


def build_ctgov_results(analysis: Analysis, protocol: Protocol) -> dict[str, Any]:
    """The ``resultsSection`` of the ClinicalTrials.gov record, from the analysis.

    Args:
        analysis: the result of ``psotrial.stats.build_analysis`` on the study's ADaM.
        protocol: the study's protocol (arms, sites, registered outcomes and wording).

    Returns:
        ``{"resultsSection": {"participantFlowModule": ..., "baselineCharacteristicsModule":
        ..., "outcomeMeasuresModule": ..., "adverseEventsModule": ...}}``; outcome measures
        are in the registry's order (``protocol.outcomes``).
    """
    title, description = _group(protocol)
    return {
        "resultsSection": {
            "participantFlowModule": _participant_flow(analysis, title, description),
            "baselineCharacteristicsModule": _baseline(analysis, protocol, title, description),
            "outcomeMeasuresModule": {
                "outcomeMeasures": [
                    _outcome(result, title, description) for result in analysis.outcomes
                ]
            },
            "adverseEventsModule": _adverse_events(analysis, protocol, title, description),
        }
    }


def _group(protocol: Protocol) -> tuple[str, str]:
    # the analysis is of the one arm of a single-group study; with several arms the
    # figures are of all participants together, and the group says so
    if len(protocol.arms) == 1:
        arm = protocol.arms[0]
        return arm.name, " ".join(arm.description.split())
    names = ", ".join(arm.name for arm in protocol.arms)
    return "All participants", f"All participants of the arms {names}, analysed together."


def _groups(prefix: str, title: str, description: str) -> list[dict[str, str]]:
    return [{"id": f"{prefix}000", "title": title, "description": description}]


def _count(group: str, value: int, units: str = _PARTICIPANTS) -> list[dict[str, Any]]:
    return [{"units": units, "counts": [{"groupId": group, "value": str(value)}]}]


def _population(flag: str) -> str:
    return _POPULATIONS.get(flag, flag)


def _num(value: float | None, places: int = 1) -> str:
    return "NA" if value is None else format_number(value, places)


# --- participant flow -----------------------------------------------------------------


def _participant_flow(analysis: Analysis, title: str, description: str) -> dict[str, Any]:
    flow = analysis.disposition
    not_completed = flow.enrolled - flow.completed
    # CDISC NCOMPLT terms are upper case ("WITHDRAWAL BY SUBJECT"); the registry reads
    # them in sentence case
    reasons = [
        (row.label.capitalize(), row.count) for row in flow.discontinued_reasons if row.count
    ]
    if flow.ongoing:
        reasons.append(("Ongoing at the data cut", flow.ongoing))
    # the registry checks NOT COMPLETED = sum of the reasons; a gap is shown, not hidden
    gap = not_completed - sum(count for _, count in reasons)
    if gap > 0:
        reasons.append(("Reason not recorded", gap))
    failures = "; ".join(f"{row.label}: {row.count}" for row in flow.screen_failure_reasons)
    pre_assignment = (
        f"{flow.screened} candidates were screened and {flow.screen_failures} were not "
        f"enrolled" + (f" ({failures})" if failures else "") + "."
    )
    if flow.screen_failure_note:
        pre_assignment += f" Note: {flow.screen_failure_note.rstrip('.')}."

    def achievement(count: int) -> list[dict[str, str]]:
        return [{"groupId": "FG000", "numSubjects": str(count)}]

    return {
        "preAssignmentDetails": pre_assignment,
        "recruitmentDetails": (
            f"Participants were enrolled at the study's site after screening; data cut "
            f"{analysis.data_cut.isoformat() if analysis.data_cut else 'not recorded'}."
        ),
        "typeUnitsAnalyzed": _PARTICIPANTS,
        "groups": _groups("FG", title, description),
        "periods": [
            {
                "title": "Overall Study",
                "milestones": [
                    {"type": "STARTED", "achievements": achievement(flow.enrolled)},
                    {"type": "COMPLETED", "achievements": achievement(flow.completed)},
                    {"type": "NOT COMPLETED", "achievements": achievement(not_completed)},
                ],
                "dropWithdraws": [
                    {"type": label, "reasons": achievement(count)} for label, count in reasons
                ],
            }
        ],
    }


# --- baseline characteristics ---------------------------------------------------------


def _baseline_title(label: str) -> str:
    """The registry's standard titles for age, sex, race/ethnicity and region."""
    lower = label.lower()
    if lower.startswith("age"):
        return "Age, Continuous"
    if lower.startswith("sex"):
        return "Sex: Female, Male"
    if "race" in lower or "ethnic" in lower:
        return "Race/Ethnicity, Customized"
    if "region" in lower or "country" in lower:
        return "Region of Enrollment"
    return label


def _baseline(
    analysis: Analysis, protocol: Protocol, title: str, description: str
) -> dict[str, Any]:
    table = analysis.baseline
    measures: list[dict[str, Any]] = []
    for item in table.continuous:
        measures.append(
            {
                "title": _baseline_title(item.label),
                "paramType": "MEAN",
                "dispersionType": "STANDARD_DEVIATION",
                "unitOfMeasure": item.unit or "units on a scale",
                "denoms": _count("BG000", item.summary.n),
                "classes": [{"categories": [{"measurements": [_mean_sd(item.summary)]}]}],
            }
        )
    # race and ethnicity as collected go in one customised measure, a class each; each
    # country of enrollment is a class of its own, as the registry lays out the region
    classes_by_title: dict[str, list[dict[str, Any]]] = {}
    for category in table.categorical:
        title = _baseline_title(category.label)
        if title == "Region of Enrollment":
            new = [
                {"title": _COUNTRIES.get(row.label, row.label), "categories": [_cell(row.count)]}
                for row in category.categories
            ]
        else:
            categories = [{"title": row.label, **_cell(row.count)} for row in category.categories]
            new = [{"categories": categories}]
            if title == "Race/Ethnicity, Customized":
                new[0] = {"title": category.label, **new[0]}
        if title not in classes_by_title:
            classes_by_title[title] = []
            measures.append(
                {
                    "title": title,
                    "paramType": "COUNT_OF_PARTICIPANTS",
                    "unitOfMeasure": _PARTICIPANTS,
                    "classes": classes_by_title[title],
                }
            )
        classes_by_title[title].extend(new)
    titles = {measure["title"] for measure in measures}
    countries = {site.country for site in protocol.sites}
    if "Region of Enrollment" not in titles and len(countries) == 1:
        # one country: every participant of the table was enrolled there
        (country,) = countries
        measures.append(
            {
                "title": "Region of Enrollment",
                "paramType": "COUNT_OF_PARTICIPANTS",
                "unitOfMeasure": _PARTICIPANTS,
                "classes": [
                    {
                        "title": _COUNTRIES.get(country, country),
                        "categories": [_cell(table.n)],
                    }
                ],
            }
        )
    return {
        "populationDescription": f"{_population(table.population)} (n = {table.n}).",
        "typeUnitsAnalyzed": _PARTICIPANTS,
        "groups": _groups("BG", title, description),
        "denoms": _count("BG000", table.n),
        "measures": measures,
    }


def _cell(count: int) -> dict[str, Any]:
    return {"measurements": [{"groupId": "BG000", "value": str(count)}]}


def _mean_sd(summary: Summary, group: str = "BG000") -> dict[str, str]:
    measurement = {"groupId": group, "value": _num(summary.mean)}
    if summary.mean is None:
        measurement["comment"] = "Not estimable: no participant has a value."
    elif summary.sd is None:
        measurement["spread"] = "NA"
        measurement["comment"] = "SD not estimable with one participant."
    else:
        measurement["spread"] = _num(summary.sd)
    return measurement


# --- outcome measures -----------------------------------------------------------------


def _outcome(result: OutcomeResult, title: str, description: str) -> dict[str, Any]:
    header = result.outcome
    if header is None:  # every registered outcome carries its header; guard the type
        raise ValueError("an outcome result without its registered outcome")
    measure: dict[str, Any] = {
        "type": header.kind.upper(),
        "title": header.title,
        "description": header.description,
        "timeFrame": header.time_frame,
        "groups": _groups("OG", title, description),
    }
    if isinstance(result, ContinuousOutcome):
        measure.update(_continuous(result, improvement=header.measure == "pasi_improvement_pct"))
    elif isinstance(result, ResponderOutcome):
        measure.update(_responder(result))
    else:
        measure.update(_relapse(result))
    return measure


def _continuous(result: ContinuousOutcome, *, improvement: bool) -> dict[str, Any]:
    """Mean (SD): the improvement rate alone, or baseline, the visit and the change."""
    visit = result.avisit.title()
    unit = result.unit or "units on a scale"
    if improvement:
        # the registry's primary measure is the improvement rate (B - P) / B x 100
        rows = [(f"PASI improvement rate at {visit}", result.value)]
        unit = "percent improvement from baseline"
    else:
        rows = [
            ("Baseline", result.baseline),
            (visit, result.value),
            (f"Change from baseline at {visit}", result.change),
        ]
    measure: dict[str, Any] = {
        "populationDescription": f"{_population(result.population)}; observed values at {visit}.",
        "paramType": "MEAN",
        "dispersionType": "STANDARD_DEVIATION",
        "unitOfMeasure": unit,
        "denoms": _count("OG000", rows[-1][1].n),
        "classes": [
            {
                "title": label,
                "denoms": _count("OG000", summary.n),
                "categories": [{"measurements": [_mean_sd(summary, "OG000")]}],
            }
            for label, summary in rows
        ],
    }
    if len(rows) == 1:
        measure["classes"][0].pop("title")
    test = result.signed_rank
    if not isinstance(test, NotEstimable):
        measure["analyses"] = [
            {
                "groupIds": ["OG000"],
                "groupDescription": (
                    f"Change from baseline at {visit} tested against 0 within the group "
                    f"({test.n} non-zero differences, {test.n_zero} zero differences dropped)."
                ),
                "nonInferiorityType": "OTHER",
                "nonInferiorityComment": "One-sample test of the median change from baseline.",
                "testedNonInferiority": False,
                "pValue": format_p(test.p_value).replace("< ", "<"),
                "statisticalMethod": "Wilcoxon signed-rank test",
                "statisticalComment": f"Two-sided, {test.method}"
                + (f"; {test.note}" if test.note else "."),
            }
        ]
    return measure


def _rate_class(title: str, rate: Rate, empty: str) -> dict[str, Any]:
    measurement: dict[str, str] = {"groupId": "OG000"}
    if rate.n == 0 or rate.proportion is None:
        measurement.update(value="NA", comment=f"Not estimable: {empty}.")
    else:
        measurement.update(
            value=_num(100 * rate.proportion),
            lowerLimit=_num(None if rate.ci_low is None else 100 * rate.ci_low),
            upperLimit=_num(None if rate.ci_high is None else 100 * rate.ci_high),
            comment=f"{rate.count} of {rate.n} participants.",
        )
    return {
        "title": title,
        "denoms": _count("OG000", rate.n),
        "categories": [{"measurements": [measurement]}],
    }


def _responder(result: ResponderOutcome) -> dict[str, Any]:
    primary = result.primary
    classes = []
    if primary.nri is not None:
        classes.append(
            _rate_class(
                "Non-responder imputation (primary)", primary.nri, "no participant to count"
            )
        )
    classes.append(_rate_class("Observed cases", primary.observed, "no observed value"))
    return {
        "populationDescription": (
            f"{result.label} at {result.avisit.title()}: participants with a baseline PASI; "
            "missing values count as non-responders under non-responder imputation."
        ),
        "paramType": "NUMBER",
        "dispersionType": "CONFIDENCE_95",
        "unitOfMeasure": "percentage of participants",
        "denoms": _count("OG000", (primary.nri or primary.observed).n),
        "classes": classes,
    }


def _relapse(result: RelapseOutcome) -> dict[str, Any]:
    rows = [
        ("Treatment period (protocol definition)", result.treatment_protocol),
        ("Follow-up period (protocol definition)", result.follow_up_protocol),
        ("Treatment period (NPF definition, sensitivity)", result.treatment_npf),
        ("Follow-up period (NPF definition, sensitivity)", result.follow_up_npf),
    ]
    return {
        "populationDescription": (
            "Participants who achieved PASI-50: in the treatment period by "
            f"{result.end_of_treatment.title()}, for follow-up at "
            f"{result.end_of_treatment.title()}. Relapse: improvement below 50% of baseline "
            "at a later visit (protocol); NPF: loss of at least half of the best improvement."
        ),
        "paramType": "NUMBER",
        "dispersionType": "CONFIDENCE_95",
        "unitOfMeasure": "percentage of participants",
        "denoms": _count("OG000", result.treatment_protocol.n),
        "classes": [
            _rate_class(label, rate, "no participant achieved PASI-50") for label, rate in rows
        ],
    }


# --- adverse events -------------------------------------------------------------------


def _adverse_events(
    analysis: Analysis, protocol: Protocol, title: str, description: str
) -> dict[str, Any]:
    safety = analysis.safety
    at_risk = safety.n
    # the listing holds every serious event; the registry's time frame is treatment-emergent
    # (onset on or after the first infusion, study day >= 1, as ADAE TRTEMFL)
    emergent = [e for e in safety.serious if e.study_day is None or e.study_day >= 1]
    serious_by_term: dict[tuple[str, str], list[str]] = defaultdict(list)
    for event in emergent:
        serious_by_term[(event.soc or _UNCODED, event.term)].append(event.usubjid)
    deaths = {e.usubjid for e in emergent if (e.outcome or "").lower() in {"fatal", "death"}}
    serious_affected = {event.usubjid for event in emergent}
    serious_events = [
        _event(term, soc, len(ids), len(set(ids)), at_risk, None)
        for (soc, term), ids in serious_by_term.items()
    ]
    other_events = _other_events(safety.by_soc_term, serious_by_term, at_risk)
    any_teae = next(
        (row.participants for row in safety.overview.rows if (row.term or "").startswith("Any")),
        0,
    )
    overlap = (
        f" Participants with a non-serious event count all {any_teae} with any event, "
        f"{len(serious_affected)} of whom also had a serious one."
        if serious_affected
        else ""
    )
    relapse = next((o for o in protocol.outcomes if o.measure == "relapse_rate"), None)
    time_frame = (
        relapse.time_frame
        if relapse is not None
        else "From the first infusion to the end of follow-up."
    )
    return {
        "frequencyThreshold": "0",
        "timeFrame": time_frame,
        "description": (
            "Treatment-emergent adverse events (onset on or after the first infusion) in the "
            f"{_population(safety.population).lower()} (n = {at_risk}), coded to CTCAE v5.0 "
            "terms and graded 1-5; "
            "seriousness per ICH E2A, recorded separately from grade. Every event is listed "
            "(frequency threshold 0%)." + overlap
        ),
        "eventGroups": [
            {
                "id": "EG000",
                "title": title,
                "description": description,
                "deathsNumAffected": len(deaths),
                "deathsNumAtRisk": at_risk,
                "seriousNumAffected": len(serious_affected),
                "seriousNumAtRisk": at_risk,
                "otherNumAffected": any_teae,
                "otherNumAtRisk": at_risk,
            }
        ],
        "seriousEvents": serious_events,
        "otherEvents": other_events,
    }


def _event(
    term: str,
    soc: str,
    events: int,
    affected: int,
    at_risk: int,
    notes: str | None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "term": term,
        "organSystem": soc,
        "sourceVocabulary": CTCAE_VOCABULARY,
        "assessmentType": "SYSTEMATIC_ASSESSMENT",
        "stats": [
            {"groupId": "EG000", "numEvents": events, "numAffected": affected, "numAtRisk": at_risk}
        ],
    }
    if notes:
        event["notes"] = notes
    return event


def _other_events(
    rows: Sequence[AdverseEventRow],
    serious_by_term: dict[tuple[str, str], list[str]],
    at_risk: int,
) -> list[dict[str, Any]]:
    """Non-serious events by term: all TEAEs of the term less its serious ones.

    Participants with another event of a term that also had a serious one cannot be told
    apart in the summary rows; they are counted (an upper bound) and a note says so.
    """
    events: list[dict[str, Any]] = []
    for row in rows:
        if row.term is None or row.soc is None:
            continue
        serious = serious_by_term.get((row.soc, row.term), [])
        other = row.events - len(serious)
        if other <= 0:
            continue
        notes = None
        if serious:
            notes = (
                "Counts participants with any event of this term, some of whom also had a "
                "serious event of the term."
            )
        events.append(_event(row.term, row.soc, other, row.participants, at_risk, notes))
    return events
