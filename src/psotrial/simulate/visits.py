"""An enrolled participant's visits after screening: dates, forms, infusions, safety logs.

Visits are dated from :func:`psotrial.schedule.build_schedule`: on target or a day or two
off inside the window, and about 5% of them 1-3 days beyond the window (4-6 days off a
+/-3-day window). A visit whose window is closed on both sides (W0, the first infusion) is
always on target. A withdrawal stops the visits after a randomly chosen one; that visit
carries the ``end_of_study`` form with status ``withdrawn``.

Each visit collects exactly its protocol forms, except the repeating ones (adverse events,
concomitant medications), which become log records reported at the first visit on or after
every date they hold, and ``end_of_study``, which only the last visit done carries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from psotrial.casebook import LogRecord, VisitRecord, Withdrawal
from psotrial.protocol import Arm, Protocol
from psotrial.schedule import PlannedVisit, build_schedule, compute_dose, select_dosing_weight
from psotrial.simulate.candidates import Candidate, example_answers
from psotrial.simulate.course import Course, compute_severity, draw_noise
from psotrial.simulate.labs import draw_lab_panel
from psotrial.simulate.questionnaires import DLQI_MAX, draw_dlqi_answers, draw_zung_answers
from psotrial.simulate.safety import (
    AdverseEvent,
    Medication,
    draw_chronic_medication,
    draw_common_event,
    draw_itch_medication,
    draw_reaction,
    draw_serious_event,
    fever_medication,
    lab_events,
)
from psotrial.simulate.scenarios import Scenario
from psotrial.simulate.skin import examine_skin
from psotrial.simulate.vitals import draw_vital_signs, drift_weight, round_decimal

__all__ = ["END_OF_STUDY", "WITHDRAWAL_REASONS", "follow_participant"]

END_OF_STUDY = "end_of_study"
WITHDRAWAL_REASONS = (
    "participant decision",
    "moved away from the study area",
    "personal reasons",
    "unable to attend visits",
)
_WITHDRAWAL_RATE = 0.07
_OUT_OF_WINDOW_RATE = 0.05
_DOSE_DEVIATION_RATE = 0.04
_INTERRUPTED_SHARE = 0.1
_LAB_EXCURSION_RATE = 0.04
_SERIOUS_EVENT_RATE = 0.06
_CHRONIC_MEDICATION_RATE = 0.2
_ITCH_MEDICATION_RATE = 0.12


@dataclass(frozen=True)
class _Log:
    index: int
    record: AdverseEvent | Medication


@dataclass(frozen=True)
class _Participant:
    """What every visit of one participant needs to know."""

    protocol: Protocol
    scenario: Scenario
    course: Course
    candidate: Candidate
    arm: Arm
    first_infusion: date
    last_infusion: date
    timezone: tzinfo


def follow_participant(
    rng: random.Random,
    protocol: Protocol,
    scenario: Scenario,
    course: Course,
    candidate: Candidate,
    first_infusion: date,
    arm: Arm,
) -> tuple[tuple[VisitRecord, ...], tuple[LogRecord, ...], Withdrawal | None]:
    """The visits, logs and withdrawal of an enrolled participant, in schedule order."""
    screening_code = protocol.visits[0].code
    planned = [
        v for v in build_schedule(protocol, first_infusion, arm.code) if v.code != screening_code
    ]
    dates: list[date] = []
    for visit in planned:
        dates.append(_visit_date(rng, protocol, visit, dates[-1] if dates else None))
    reason = None
    if len(planned) > 1 and rng.random() < _WITHDRAWAL_RATE:
        last = rng.randrange(len(planned) - 1)
        planned, dates = planned[: last + 1], dates[: last + 1]
        reason = rng.choice(WITHDRAWAL_REASONS)
    infusion_dates = [d for v, d in zip(planned, dates, strict=True) if v.infusion is not None]
    who = _Participant(
        protocol=protocol,
        scenario=scenario,
        course=course,
        candidate=candidate,
        arm=arm,
        first_infusion=first_infusion,
        last_infusion=max(infusion_dates, default=first_infusion),
        timezone=_timezone(protocol.sites[0].timezone),
    )
    weight = candidate.weight_kg
    weights: list[tuple[date, object]] = [
        (candidate.screening_date, round_decimal(candidate.weight_kg, 1))
    ]
    logs: list[_Log] = []
    visits: list[VisitRecord] = []
    for index, (visit, on) in enumerate(zip(planned, dates, strict=True)):
        weight = drift_weight(rng, weight)
        vital_signs = draw_vital_signs(rng, weight)
        weights.append((on, vital_signs["weight_kg"]))
        is_last = index == len(planned) - 1
        forms, events = _visit_forms(rng, who, visit, on, vital_signs, weights, is_last=is_last)
        logs += [_Log(index + later, event) for later, event in events]
        if is_last and (reason is not None or END_OF_STUDY in visit.forms):
            forms[END_OF_STUDY] = {
                "status": "completed" if reason is None else "withdrawn",
                "date": on.isoformat(),
                "reason": reason,
            }
        visits.append(VisitRecord(visit=visit.code, date=on, forms=forms))
    logs += _intercurrent(rng, candidate, dates, who.last_infusion)
    logs.sort(key=lambda log: log.index)
    return (
        tuple(visits),
        tuple(_log_record(protocol, planned[log.index].code, log.record) for log in logs),
        Withdrawal(date=dates[-1], reason=reason) if reason else None,
    )


def _visit_forms(
    rng: random.Random,
    who: _Participant,
    visit: PlannedVisit,
    on: date,
    vital_signs: dict[str, Any],
    weights: list[tuple[date, object]],
    *,
    is_last: bool,
) -> tuple[dict[str, dict[str, Any]], list[tuple[int, AdverseEvent | Medication]]]:
    """The visit's forms, and its events as (visits later to report it, record)."""
    weeks = (on - who.first_infusion).days / 7
    severity = compute_severity(who.course, who.scenario, weeks) * draw_noise(rng, who.scenario)
    exam = examine_skin(rng, who.candidate.skin, severity)
    improvement = 1 - exam.tenths / who.candidate.exam.tenths
    treating = on <= who.last_infusion
    forms: dict[str, dict[str, Any]] = {}
    events: list[tuple[int, AdverseEvent | Medication]] = []
    for code in visit.forms:
        form = who.protocol.form(code)
        if form.repeating or code == END_OF_STUDY:
            continue
        if code == "vital_signs":
            forms[code] = vital_signs
        elif code in ("pasi", "bsa"):
            forms[code] = exam.pasi if code == "pasi" else exam.bsa
        elif code == "itch":
            forms[code] = {"vas_mm": _itch(rng, who, improvement)}
        elif code == "dlqi":
            forms[code] = draw_dlqi_answers(rng, _dlqi(rng, who, improvement))
        elif code in ("zung_sas", "zung_sds"):
            forms[code] = _zung(rng, code)
        elif form.instrument == "labs":
            forms[code] = draw_lab_panel(rng, form, excursion_rate=_LAB_EXCURSION_RATE)
            events += [(0, e) for e in lab_events(rng, forms[code], on, treating=treating)]
        elif code == "infusion" and visit.infusion is not None:
            forms[code], reaction = _infusion(rng, who, visit, on, weights, is_last=is_last)
            if reaction is not None:
                # Reported once every date it holds has passed: here, or at the next visit.
                later = 0 if reaction.resolution == on else 1
                events.append((later, reaction))
                if reaction.term == "Fever" and rng.random() < 0.5:
                    events.append((later, fever_medication(reaction)))
        elif code != "infusion":
            forms[code] = example_answers(form)
    return forms, events


def _visit_date(
    rng: random.Random, protocol: Protocol, visit: PlannedVisit, previous: date | None
) -> date:
    spec = protocol.visit(visit.code)
    before, after = spec.window_before, spec.window_after
    if before == after == 0:
        return visit.target
    if rng.random() < _OUT_OF_WINDOW_RATE:
        late = rng.random() < 0.5
        offset = (after if late else -before) + (1 if late else -1) * rng.randint(1, 3)
    elif rng.random() < 0.6:
        offset = 0
    else:
        offset = rng.randint(-min(before, 2), min(after, 2))
    moved = visit.target + timedelta(days=offset)
    return moved if previous is None or moved > previous else visit.target


def _timezone(name: str) -> tzinfo:
    """The site's time zone; UTC where the system has no zone database."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _itch(rng: random.Random, who: _Participant, improvement: float) -> int:
    value = who.candidate.itch * (1 - who.course.itch_coupling * improvement) + rng.gauss(0, 6)
    return min(max(round(value), 0), 100)


def _dlqi(rng: random.Random, who: _Participant, improvement: float) -> int:
    value = who.candidate.dlqi * (1 - who.course.dlqi_coupling * improvement) + rng.gauss(0, 1.5)
    return min(max(round(value), 0), DLQI_MAX)


def _zung(rng: random.Random, code: str) -> dict[str, int]:
    if code == "zung_sas":
        return draw_zung_answers(rng, "SAS", min(max(round(rng.gauss(30, 4)), 20), 40))
    return draw_zung_answers(rng, "SDS", min(max(round(rng.gauss(32, 4)), 20), 42))


def _infusion(
    rng: random.Random,
    who: _Participant,
    visit: PlannedVisit,
    on: date,
    weights: list[tuple[date, object]],
    *,
    is_last: bool,
) -> tuple[dict[str, Any], AdverseEvent | None]:
    """The infusion form; a reaction is also returned as its adverse event."""
    weight_used = select_dosing_weight(weights, on)
    planned_cells = compute_dose(weight_used, who.arm.dosing.cells_per_kg)
    reaction: AdverseEvent | None = None
    description: str | None = None
    interrupted = False
    if rng.random() < who.scenario.infusion_reaction_rate:
        interrupted = rng.random() < _INTERRUPTED_SHARE
        reaction, description = draw_reaction(rng, on, same_day=is_last, interrupted=interrupted)
    actual_cells = planned_cells
    if interrupted:
        actual_cells = _cells(planned_cells * rng.uniform(0.5, 0.85))
    elif rng.random() < _DOSE_DEVIATION_RATE:
        # Beyond the protocol's limit on purpose, to exercise the deviation flag.
        off = who.arm.dosing.deviation_pct / 100 + rng.uniform(0.01, 0.1)
        actual_cells = _cells(planned_cells * (1 + rng.choice((-1, 1)) * off))
    minutes = 15 * rng.randint(34, 42)  # 08:30-10:30 local time
    start = datetime.combine(on, time(minutes // 60, minutes % 60), tzinfo=who.timezone)
    return {
        "infusion_number": visit.infusion,
        "start_time": start.isoformat(),
        "weight_kg_used": weight_used,
        "planned_cells": planned_cells,
        "actual_cells": actual_cells,
        "lot_number": f"LOT-SYN-{on.year % 100:02d}{on.month:02d}",
        "completed": not interrupted,
        "reaction": reaction is not None,
        "reaction_description": description,
    }, reaction


def _cells(count: float) -> int:
    """A cell count as a product label gives it: to the nearest 100,000."""
    return round(count / 100_000) * 100_000


def _intercurrent(
    rng: random.Random, candidate: Candidate, dates: list[date], last_infusion: date
) -> list[_Log]:
    """Events and medications between visits, each reported at the visit closing its interval."""
    logs: list[_Log] = []
    if rng.random() < _CHRONIC_MEDICATION_RATE:
        logs.append(_Log(0, draw_chronic_medication(rng, candidate.screening_date)))
    for index in range(1, len(dates)):
        after, until = dates[index - 1], dates[index]
        event = draw_common_event(rng, after, until, treating=after < last_infusion)
        if event is not None:
            logs.append(_Log(index, event))
    if len(dates) > 1 and rng.random() < _SERIOUS_EVENT_RATE:
        index = rng.randrange(1, len(dates))
        after, until = dates[index - 1], dates[index]
        logs.append(
            _Log(index, draw_serious_event(rng, after, until, treating=after < last_infusion))
        )
    if len(dates) > 1 and rng.random() < _ITCH_MEDICATION_RATE:
        index = rng.randrange(1, len(dates))
        logs.append(_Log(index, draw_itch_medication(rng, dates[index - 1], dates[index])))
    return logs


def _log_record(protocol: Protocol, visit: str, record: AdverseEvent | Medication) -> LogRecord:
    form = "adverse_event" if isinstance(record, AdverseEvent) else "concomitant_medication"
    return LogRecord(visit=visit, form=form, data=record.to_data(protocol.form(form)))
