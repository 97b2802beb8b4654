"""Synthetic screening candidates: the screening visit's forms, eligible or failing on purpose.

A candidate meant to be eligible is drawn inside every criterion with some margin (clean
screening labs, washouts complete against the planned first infusion, Zung below the
cut-offs). A candidate meant to fail is the same, except for the one criterion named by
``fail`` (see :data:`FAILURE_CRITERIA`), which is broken the way sites meet it.
Nothing here decides eligibility: the cohort asks :mod:`psotrial.screening`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from psotrial.protocol import FormSpec, Protocol
from psotrial.protocol.answers import nest_answers
from psotrial.screening import compute_age
from psotrial.simulate.labs import draw_lab_panel, lab_result
from psotrial.simulate.questionnaires import draw_dlqi_answers, draw_zung_answers
from psotrial.simulate.skin import SkinExam, SkinState, draw_skin, examine_skin
from psotrial.simulate.vitals import draw_height, draw_vital_signs, draw_weight

__all__ = [
    "CONFIRMATION_FORM",
    "FAILURE_CRITERIA",
    "Candidate",
    "draw_candidate",
    "example_answers",
]

FAILURE_CRITERIA = ("IN01", "IN02", "EX01", "EX03", "EX04", "EX05", "EX07", "EX09")
"""The criteria a synthetic screen failure breaks, in rotation."""

CONFIRMATION_FORM = "eligibility_confirmation"
"""The screening form filled in from the verdict, after the others."""


@dataclass(frozen=True)
class Candidate:
    """A screened candidate: screening forms (all but the confirmation) and latent traits."""

    screening_date: date
    sex: str
    weight_kg: float
    skin: SkinState
    exam: SkinExam
    dlqi: int
    itch: int
    forms: dict[str, dict[str, Any]]
    confirmations: dict[str, bool]


def draw_candidate(
    rng: random.Random,
    protocol: Protocol,
    *,
    screening_date: date,
    planned_first_infusion: date,
    fail: str | None = None,
) -> Candidate:
    """Draw a candidate's screening forms; ``fail`` names the criterion to break, if any.

    Raises:
        ValueError: ``fail`` is not one of :data:`FAILURE_CRITERIA`.
    """
    if fail is not None and fail not in FAILURE_CRITERIA:
        raise ValueError(f"cannot fail {fail!r}; expected one of: {', '.join(FAILURE_CRITERIA)}")
    sex = "F" if fail == "EX03" else rng.choices(("M", "F"), (6, 4))[0]
    weight = draw_weight(rng, sex)
    skin, exam = _draw_skin(rng, mild=fail == "IN01")
    dlqi = min(max(round(rng.gauss(10.7, 6.0) + 0.15 * (exam.tenths / 10 - 15)), 0), 30)
    itch = min(max(round(rng.gauss(58, 18)), 5), 100)
    birth = _birth_date(rng, screening_date, fail == "IN02", fertile=fail == "EX03")
    made: dict[str, dict[str, Any]] = {
        "informed_consent": {
            "signed": True,
            "consent_date": (screening_date - timedelta(days=rng.randint(0, 3))).isoformat(),
        },
        "demographics": {
            "birth_date": birth.isoformat(),
            "sex": sex,
            "ethnicity": rng.choices(("han", "other", "not_reported"), (90, 8, 2))[0],
            "height_cm": draw_height(rng, sex),
        },
        "psoriasis_history": _history(rng, screening_date, birth, fail == "EX01"),
        "prior_therapies": _prior_therapies(
            rng, screening_date, planned_first_infusion, fail == "EX09"
        ),
        "medical_history": _medical_history(fail == "EX07"),
        "vital_signs": draw_vital_signs(rng, weight),
        "pasi": exam.pasi,
        "bsa": exam.bsa,
        "itch": {"vas_mm": itch},
        "dlqi": draw_dlqi_answers(rng, dlqi),
        "zung_sas": draw_zung_answers(rng, "SAS", min(max(round(rng.gauss(31, 4)), 20), 40)),
        "zung_sds": draw_zung_answers(
            rng,
            "SDS",
            rng.randint(45, 50) if fail == "EX04" else min(max(round(rng.gauss(33, 4)), 20), 42),
        ),
        "pregnancy": _pregnancy(rng, sex, fail == "EX03"),
    }
    forms: dict[str, dict[str, Any]] = {}
    for form in protocol.screening_forms:
        if form.repeating or form.code == CONFIRMATION_FORM:
            continue
        if form.instrument == "labs":
            forms[form.code] = _screening_labs(rng, form, fail == "EX05")
        else:
            forms[form.code] = made.get(form.code) or example_answers(form)
    confirmations = {c.id: True for c in protocol.criteria if c.investigator_confirms}
    return Candidate(screening_date, sex, weight, skin, exam, dlqi, itch, forms, confirmations)


def example_answers(form: FormSpec) -> dict[str, Any]:
    """A form filled in with each item's ``example`` from the protocol (nested by dots)."""
    return nest_answers({item.name: item.example for item in form.items})


def _draw_skin(rng: random.Random, *, mild: bool) -> tuple[SkinState, SkinExam]:
    """Skin that meets IN01 (PASI > 7 or BSA > 10%), or with ``mild`` that misses it."""
    while True:
        skin = draw_skin(rng, mild=mild)
        exam = examine_skin(rng, skin, 1.0)
        moderate = exam.tenths > 70 or exam.bsa_pct > 10
        if (not mild and moderate) or (mild and not moderate and exam.tenths > 0):
            return skin, exam


def _birth_date(rng: random.Random, on: date, out_of_range: bool, *, fertile: bool) -> date:
    """A birth date giving an age of 18-65 on ``on`` (16-17 or 66-72 when ``out_of_range``)."""
    while True:
        if out_of_range:
            age = rng.choice((16, 17)) if rng.random() < 0.4 else rng.randint(66, 72)
        elif fertile:
            age = rng.randint(20, 42)
        else:
            age = min(max(round(rng.gauss(44, 11)), 19), 64)
        birth = on - timedelta(days=round(age * 365.25) + rng.randint(0, 360))
        if (compute_age(birth, on) in range(18, 66)) != out_of_range:
            return birth


def _history(rng: random.Random, on: date, birth: date, excluded: bool) -> dict[str, Any]:
    earliest = max(birth + timedelta(days=365 * 8), on - timedelta(days=365 * 35))
    span = max((on - earliest).days - 180, 1)
    diagnosis = on - timedelta(days=180 + rng.randrange(span))
    kind, face_only = "vulgaris", False
    if excluded:
        kind, face_only = rng.choice((("guttate", False), ("inverse", False), ("vulgaris", True)))
    return {
        "diagnosis_date": diagnosis.isoformat(),
        "type": kind,
        "face_only": face_only,
        "acute_progressive": False,
        "erythroderma_tendency": False,
        "arthritis": rng.random() < 0.1,
    }


def _prior_therapies(rng: random.Random, on: date, planned: date, excluded: bool) -> dict[str, Any]:
    """Last uses, each a complete washout before ``planned`` (and not after ``on``)."""

    def last_use(probability: float, washout_days: int, back_days: int) -> str | None:
        if rng.random() >= probability:
            return None
        latest = min(on, planned - timedelta(days=washout_days))
        return (latest - timedelta(days=rng.randint(0, back_days))).isoformat()

    therapies = {
        "topical_last_date": last_use(0.7, 14, 120),
        "systemic_last_date": last_use(0.25, 28, 700),
        "phototherapy_last_date": last_use(0.2, 28, 700),
        "biologic_last_date": last_use(0.08, 84, 700),
        "other_trial_current": False,
        "other_trial_last_date": last_use(0.03, 30, 700),
    }
    if excluded:
        # Screening is 7-21 days before the planned infusion, so both stay inside the washout.
        if rng.random() < 0.5:
            therapies["systemic_last_date"] = (on - timedelta(days=rng.randint(1, 5))).isoformat()
        else:
            therapies["biologic_last_date"] = (on - timedelta(days=rng.randint(7, 50))).isoformat()
    return therapies


def _medical_history(allergy: bool) -> dict[str, Any]:
    return {
        "uncontrolled_disease": False,
        "malignancy": False,
        "active_infection": False,
        "electrolyte_imbalance": False,
        "acid_base_disturbance": False,
        "tumor_markers_abnormal": False,
        "organ_dysfunction": False,
        "allergy_history": allergy,
        "psychiatric_disorder": False,
    }


def _pregnancy(rng: random.Random, sex: str, excluded: bool) -> dict[str, Any]:
    if sex == "M":
        return {"test_result": "not_applicable", "lactating": False, "pregnant_past_year": False}
    answers: dict[str, Any] = {
        "test_result": "negative",
        "lactating": False,
        "pregnant_past_year": False,
    }
    if excluded:
        which = rng.choice(("test_result", "lactating", "pregnant_past_year"))
        answers[which] = "positive" if which == "test_result" else True
        answers["pregnant_past_year"] = answers["pregnant_past_year"] or which == "lactating"
    return answers


def _screening_labs(rng: random.Random, form: FormSpec, excluded: bool) -> dict[str, Any]:
    panel = draw_lab_panel(rng, form)
    if excluded:
        plt, alt = form.lab_test("PLT"), form.lab_test("ALT")
        if plt is not None and (alt is None or alt.uln is None or rng.random() < 0.5):
            panel["PLT"] = lab_result(plt, rng.uniform(55, 74))
        elif alt is not None and alt.uln is not None:
            panel["ALT"] = lab_result(alt, float(2 * alt.uln + Decimal(rng.randint(1, 40))))
    return panel
