"""Synthetic safety data: adverse events and concomitant medications.

Rates follow domain.md §9.4 [A]: infusion reactions (mostly fever, grade 1, rarely grade 2)
per infusion at the scenario's rate; common intercurrent events, grade 1-2 mostly; a rare
serious event (hospitalisation, not related); lab excursions sometimes reported as the
CTCAE term :mod:`psotrial.instruments.ctcae` grades. Terms are exact CTCAE v5.0 term names
(shared/data/ctcae-v5-terms.csv); verbatim text is generic. Every date of an event is on or
before the visit that reports it, so a data cut never leaks a later date.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from psotrial.errors import ScoringError
from psotrial.instruments.ctcae import LAB_TESTS, compute_lab_grades
from psotrial.protocol import FormSpec

__all__ = [
    "CHRONIC_MEDICATIONS",
    "COMMON_EVENTS",
    "REACTIONS",
    "SERIOUS_EVENTS",
    "AdverseEvent",
    "Medication",
    "draw_chronic_medication",
    "draw_common_event",
    "draw_itch_medication",
    "draw_reaction",
    "draw_serious_event",
    "fever_medication",
    "lab_events",
]

# (CTCAE v5.0 term, verbatim, infusion-form description)
REACTIONS = (
    ("Fever", "fever after infusion", "transient fever after infusion"),
    ("Fever", "low-grade fever after infusion", "low-grade fever after infusion"),
    ("Chills", "chills during infusion", "chills during infusion"),
    ("Infusion related reaction", "flushing during infusion", "flushing during infusion"),
    ("Headache", "headache after infusion", "headache after infusion"),
)
# (CTCAE v5.0 term, verbatim)
COMMON_EVENTS = (
    ("Headache", "headache"),
    ("Pharyngitis", "sore throat"),
    ("Upper respiratory infection", "common cold"),
    ("Fatigue", "tiredness"),
    ("Diarrhea", "loose stools"),
    ("Nausea", "nausea"),
    ("Dizziness", "dizziness"),
    ("Arthralgia", "joint pain"),
    ("Back pain", "back pain"),
    ("Cough", "cough"),
    ("Pruritus", "itching"),
    ("Insomnia", "poor sleep"),
)
SERIOUS_EVENTS = (
    ("Appendicitis", "appendicitis treated in hospital"),
    ("Lung infection", "pneumonia treated in hospital"),
    ("Kidney infection", "kidney infection treated in hospital"),
    ("Fracture", "wrist fracture after a fall"),
)
# (name, indication, dose, unit, route)
CHRONIC_MEDICATIONS = (
    ("Amlodipine", "hypertension", Decimal(5), "mg", "oral"),
    ("Metformin", "type 2 diabetes", Decimal(500), "mg", "oral"),
    ("Atorvastatin", "hyperlipidaemia", Decimal(20), "mg", "oral"),
)
_COMMON_RATE_PER_DAY = 0.05 / 14
_LAB_EVENT_SHARE = 0.5


@dataclass(frozen=True)
class AdverseEvent:
    """One adverse event, as the ``adverse_event`` form records it."""

    term: str
    verbatim: str
    onset: date
    resolution: date | None
    grade: int
    relatedness: str
    action: str = "none"
    serious: bool = False

    @property
    def last_date(self) -> date:
        """The latest date the record holds."""
        return self.resolution or self.onset

    def to_data(self, form: FormSpec) -> dict[str, Any]:
        """The form's answers; choice codes are the protocol's (nearest when renamed)."""
        return {
            "ctcae_term": self.term,
            "verbatim": self.verbatim,
            "onset_date": self.onset.isoformat(),
            "resolution_date": self.resolution.isoformat() if self.resolution else None,
            "grade": self.grade,
            "serious": self.serious,
            "seriousness": _code(form, "seriousness", "hospitalisation") if self.serious else None,
            "relatedness": _code(form, "relatedness", self.relatedness),
            "action_taken": _code(form, "action_taken", self.action),
            "outcome": _code(form, "outcome", "recovered" if self.resolution else "recovering"),
        }


@dataclass(frozen=True)
class Medication:
    """One concomitant medication, as the ``concomitant_medication`` form records it."""

    name: str
    indication: str
    dose: Decimal
    unit: str
    route: str
    start: date
    end: date | None

    @property
    def last_date(self) -> date:
        """The latest date the record holds."""
        return self.end or self.start

    def to_data(self, form: FormSpec) -> dict[str, Any]:
        """The form's answers."""
        return {
            "name": self.name,
            "indication": self.indication,
            "dose": self.dose,
            "dose_unit": self.unit,
            "route": _code(form, "route", self.route),
            "start_date": self.start.isoformat(),
            "end_date": self.end.isoformat() if self.end else None,
            "ongoing": self.end is None,
        }


def draw_reaction(
    rng: random.Random, on: date, *, same_day: bool, interrupted: bool
) -> tuple[AdverseEvent, str]:
    """An infusion reaction on the infusion date ``on`` and its infusion-form description.

    ``same_day`` resolves it that day (when no later visit could report a later date).
    """
    term, verbatim, description = rng.choice(REACTIONS)
    resolution = on if same_day else on + timedelta(days=rng.choice((0, 1, 1)))
    event = AdverseEvent(
        term=term,
        verbatim=verbatim,
        onset=on,
        resolution=resolution,
        grade=2 if interrupted or rng.random() < 0.08 else 1,
        relatedness=rng.choices(("possible", "probable", "definite"), (5, 4, 1))[0],
        action="interrupted" if interrupted else "none",
    )
    return event, description


def draw_common_event(
    rng: random.Random, after: date, until: date, *, treating: bool
) -> AdverseEvent | None:
    """An intercurrent event with onset in (``after``, ``until``], or None (most intervals)."""
    days = (until - after).days
    if days <= 0 or rng.random() >= _COMMON_RATE_PER_DAY * days:
        return None
    term, verbatim = rng.choice(COMMON_EVENTS)
    onset = after + timedelta(days=rng.randint(1, days))
    resolution = onset + timedelta(days=rng.randint(1, 10))
    return AdverseEvent(
        term=term,
        verbatim=verbatim,
        onset=onset,
        resolution=resolution if resolution <= until else None,
        grade=rng.choices((1, 2, 3), (72, 25, 3))[0],
        relatedness=rng.choices(("not_related", "unlikely", "possible"), (55, 30, 15))[0],
        action="none" if treating else "not_applicable",
    )


def draw_serious_event(
    rng: random.Random, after: date, until: date, *, treating: bool
) -> AdverseEvent:
    """A serious event (hospitalisation, grade 3, not related) with onset in the interval."""
    term, verbatim = rng.choice(SERIOUS_EVENTS)
    onset = after + timedelta(days=rng.randint(1, max((until - after).days, 1)))
    resolution = onset + timedelta(days=rng.randint(3, 12))
    return AdverseEvent(
        term=term,
        verbatim=verbatim,
        onset=onset,
        resolution=resolution if resolution <= until else None,
        grade=3,
        relatedness=rng.choice(("not_related", "unlikely")),
        action="none" if treating else "not_applicable",
        serious=True,
    )


def lab_events(
    rng: random.Random, panel: dict[str, dict[str, Any]], on: date, *, treating: bool
) -> list[AdverseEvent]:
    """Some graded lab abnormalities of ``panel`` reported as events on ``on``."""
    events = []
    for code, result in panel.items():
        if code not in LAB_TESTS:
            continue
        try:
            grades = compute_lab_grades(
                code, result["value"], result["unit"], lln=result["lln"], uln=result["uln"]
            )
        except ScoringError:
            continue  # a unit CTCAE grading does not read: leave it to the investigator
        for grade in grades:
            if grade.grade and rng.random() < _LAB_EVENT_SHARE:
                events.append(
                    AdverseEvent(
                        term=grade.term,
                        verbatim=f"{grade.term.lower()} on routine labs",
                        onset=on,
                        resolution=None,
                        grade=grade.grade,
                        relatedness=rng.choice(("unlikely", "possible")),
                        action="none" if treating else "not_applicable",
                    )
                )
    return events


def fever_medication(event: AdverseEvent) -> Medication:
    """Paracetamol for a fever event, over the event's days."""
    return Medication(
        "Paracetamol",
        "fever",
        Decimal(500),
        "mg",
        "oral",
        event.onset,
        event.resolution or event.onset,
    )


def draw_chronic_medication(rng: random.Random, before: date) -> Medication:
    """A long-standing, ongoing medication started well before ``before``."""
    name, indication, dose, unit, route = rng.choice(CHRONIC_MEDICATIONS)
    start = before - timedelta(days=rng.randint(200, 2000))
    return Medication(name, indication, dose, unit, route, start, None)


def draw_itch_medication(rng: random.Random, after: date, until: date) -> Medication:
    """An antihistamine for pruritus started in (``after``, ``until``]."""
    start = after + timedelta(days=rng.randint(1, max((until - after).days, 1)))
    end = start + timedelta(days=rng.randint(5, 20))
    return Medication(
        "Loratadine", "pruritus", Decimal(10), "mg", "oral", start, end if end <= until else None
    )


def _code(form: FormSpec, item_name: str, preferred: str) -> str | int:
    """``preferred`` when the protocol offers it as a choice, else the item's first choice."""
    item = form.item(item_name)
    if item is None or not item.choices:
        return preferred
    codes = item.choice_codes
    return preferred if preferred in codes else codes[0]
