"""Scores and edit checks for one form's validated answers.

The numbers a site sees live are the ones the analysis uses: each scored form goes through
the pure instruments. Edit checks never refuse a save; each finding opens a query.

| check | finding                                                              |
|-------|----------------------------------------------------------------------|
| EC001 | visit date outside its window (raised when the visit date is saved) |
| EC002 | PASI region with area 0 but signs > 0, or area > 0 with all signs 0 |
| EC003 | BSA of a region above that region's maximum                         |
| EC004 | laboratory reference range with LLN above ULN                       |
| EC005 | adverse event resolved before its onset                             |
| EC006 | serious adverse event without a seriousness criterion, or the reverse |
| EC007 | infusion: actual cells deviate from planned by more than the limit  |
| EC008 | infusion: weight used is not the latest recorded weight             |
| EC009 | informed consent dated after the screening visit                    |
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from psotrial.capture.ctcae_terms import find_ctcae_term
from psotrial.errors import ScoringError
from psotrial.instruments.bsa import REGION_MAX_PCT, compute_bsa
from psotrial.instruments.ctcae import compute_lab_grades
from psotrial.instruments.dlqi import compute_dlqi
from psotrial.instruments.itch import compute_itch
from psotrial.instruments.pasi import compute_pasi
from psotrial.instruments.zung import compute_zung
from psotrial.protocol import FormSpec, Protocol
from psotrial.protocol.answers import nest_answers
from psotrial.schedule import check_dose, compute_dose

__all__ = ["Finding", "ScoringContext", "score_form"]

# ICH E2A expedited reporting: fatal or life-threatening within 7 days, others within 15.
_SAE_DEADLINE_DAYS = {"death": 7, "life_threatening": 7}
_SAE_DEFAULT_DAYS = 15


@dataclass(frozen=True)
class Finding:
    """One failed edit check: opens a query on ``item``."""

    check_id: str
    item: str | None
    message: str


@dataclass(frozen=True)
class ScoringContext:
    """What scoring needs beyond the form: dates, the latest weight, the dose rule."""

    protocol: Protocol
    screening_date: date | None = None
    recorded_on: date | None = None
    latest_weight: Decimal | None = None
    cells_per_kg: int | None = None


@dataclass
class _Result:
    scores: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)


def score_form(
    form: FormSpec, values: Mapping[str, Any], context: ScoringContext
) -> tuple[dict[str, Any], list[Finding]]:
    """Scores (JSON-ready values) and edit-check findings for one form's answers."""
    scorer = _SCORERS.get(form.instrument or form.code)
    result = _Result()
    if scorer is not None:
        try:
            scorer(values, context, result)
        except ScoringError as exc:
            result.scores = {"not_scored": str(exc)}
    return result.scores, result.findings


def _pasi(values: Mapping[str, Any], context: ScoringContext, result: _Result) -> None:
    nested = nest_answers(values)
    for region, items in nested.items():
        signs = [items.get(s) or 0 for s in ("erythema", "induration", "desquamation")]
        area = items.get("area_pct")
        if area is not None and area == 0 and any(signs):
            result.findings.append(
                Finding(
                    "EC002", f"{region}.area_pct", f"{region}: area is 0 but signs are recorded"
                )
            )
        if area is not None and area > 0 and not any(signs):
            result.findings.append(
                Finding(
                    "EC002", f"{region}.area_pct", f"{region}: area is {area}% but all signs are 0"
                )
            )
    pasi = compute_pasi(nested)
    result.scores = {
        "pasi": pasi.pasi,
        "regions": {name: region.score for name, region in pasi.regions.items()},
    }


def _bsa(values: Mapping[str, Any], context: ScoringContext, result: _Result) -> None:
    over = [
        Finding(
            "EC003",
            region,
            f"{region}: {values[region]} palms is above the region's "
            f"maximum of {REGION_MAX_PCT[region]}",
        )
        for region in REGION_MAX_PCT
        if values.get(region) is not None and values[region] > REGION_MAX_PCT[region]
    ]
    result.findings.extend(over)
    if over:
        result.scores = {"not_scored": "a region is above its maximum (query EC003)"}
        return
    bsa = compute_bsa(values)
    result.scores = {"bsa_pct": bsa.bsa_pct}


def _dlqi(values: Mapping[str, Any], context: ScoringContext, result: _Result) -> None:
    dlqi = compute_dlqi(values)
    result.scores = {
        "total": dlqi.total,
        "band": dlqi.band,
        "subscales": dlqi.subscales,
        "missing": list(dlqi.missing),
        "reason": dlqi.reason,
    }


def _itch(values: Mapping[str, Any], context: ScoringContext, result: _Result) -> None:
    if values.get("vas_mm") is not None:
        itch = compute_itch(values["vas_mm"])
        result.scores = {"vas_mm": itch.vas_mm, "band": itch.band}


def _zung(scale: str) -> Callable[[Mapping[str, Any], ScoringContext, _Result], None]:
    def score(values: Mapping[str, Any], context: ScoringContext, result: _Result) -> None:
        items = [values.get(f"q{n}") for n in range(1, 21)]
        settings = context.protocol.settings
        zung = compute_zung(scale, items, display=settings.zung_display)
        result.scores = {
            "raw": zung.raw,
            "index": zung.index,
            "index_display": zung.index_display,
            "reason": zung.reason,
        }

    return score


def _labs(values: Mapping[str, Any], context: ScoringContext, result: _Result) -> None:
    graded: dict[str, Any] = {}
    albumin = values.get("ALB", {}).get("value")
    for code, lab in values.items():
        lln, uln = lab["lln"], lab["uln"]
        if lln is not None and uln is not None and lln > uln:
            result.findings.append(
                Finding("EC004", f"{code}.lln", f"{code}: LLN {lln} is above ULN {uln}")
            )
            continue
        indicator = (
            "LOW"
            if lln is not None and lab["value"] < lln
            else (
                "HIGH"
                if uln is not None and lab["value"] > uln
                else ("NORMAL" if lln is not None or uln is not None else None)
            )
        )
        entry: dict[str, Any] = {"nrind": indicator}
        try:
            grades = compute_lab_grades(
                code,
                lab["value"],
                lab["unit"],
                lln=lln,
                uln=uln,
                albumin_g_l=albumin if code == "CA" else None,
            )
            entry["grades"] = {g.term: g.grade for g in grades}
        except ScoringError:
            pass  # not a CTCAE-graded test (cystatin C, albumin)
        graded[code] = entry
    result.scores = {"labs": graded}


def _adverse_event(values: Mapping[str, Any], context: ScoringContext, result: _Result) -> None:
    scores: dict[str, Any] = {}
    if values.get("ctcae_term"):
        term = find_ctcae_term(str(values["ctcae_term"]))
        scores.update(ctcae_term=term.term, meddra_code=term.meddra_code, soc=term.soc)
    onset, resolved = values.get("onset_date"), values.get("resolution_date")
    if onset is not None and resolved is not None and resolved < onset:
        result.findings.append(
            Finding("EC005", "resolution_date", f"resolved {resolved} before onset {onset}")
        )
    serious, criterion = values.get("serious"), values.get("seriousness")
    if serious and criterion is None:
        result.findings.append(
            Finding("EC006", "seriousness", "serious adverse event without a seriousness criterion")
        )
    if serious is False and criterion is not None:
        result.findings.append(
            Finding("EC006", "serious", f"seriousness {criterion!r} given but serious is no")
        )
    if serious:
        days = _SAE_DEADLINE_DAYS.get(str(criterion), _SAE_DEFAULT_DAYS)
        aware = context.recorded_on or onset
        scores["expedited_report"] = {
            "days": days,
            "deadline": aware + timedelta(days=days) if aware else None,
        }
    result.scores = scores


def _infusion(values: Mapping[str, Any], context: ScoringContext, result: _Result) -> None:
    weight = context.latest_weight
    if weight is None or context.cells_per_kg is None:
        result.scores = {"not_scored": "no weight recorded on or before the infusion"}
        return
    planned = compute_dose(weight, context.cells_per_kg)
    scores: dict[str, Any] = {"weight_kg": weight, "planned_cells": planned}
    used = values.get("weight_kg_used")
    if used is not None and used != weight:
        result.findings.append(
            Finding(
                "EC008",
                "weight_kg_used",
                f"weight used {used} kg is not the latest weight {weight} kg",
            )
        )
    actual = values.get("actual_cells")
    if actual is not None:
        check = check_dose(planned, actual, context.protocol.arm().dosing.deviation_pct)
        scores.update(deviation_pct=check.deviation_pct, deviation=check.deviation)
        if check.deviation:
            result.findings.append(Finding("EC007", "actual_cells", check.reason))
    result.scores = scores


def _consent(values: Mapping[str, Any], context: ScoringContext, result: _Result) -> None:
    consent = values.get("consent_date")
    if (
        consent is not None
        and context.screening_date is not None
        and consent > context.screening_date
    ):
        result.findings.append(
            Finding(
                "EC009",
                "consent_date",
                f"consent {consent} is after the screening date {context.screening_date}",
            )
        )


_SCORERS: Mapping[str, Callable[[Mapping[str, Any], ScoringContext, _Result], None]] = {
    "pasi": _pasi,
    "bsa": _bsa,
    "dlqi": _dlqi,
    "itch": _itch,
    "zung_sas": _zung("SAS"),
    "zung_sds": _zung("SDS"),
    "labs": _labs,
    "adverse_event": _adverse_event,
    "infusion": _infusion,
    "informed_consent": _consent,
}
