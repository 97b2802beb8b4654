"""The visit calendar: CDISC study days, planned visit dates and window checks.

Study day follows CDISC (architecture.md): Day 1 is the date of the first infusion, the
day after is Day 2, the day before is Day -1, and there is no Day 0. A visit's window is
``window_before``/``window_after`` calendar days around its target, as the protocol sets
them. Dates are always passed in; nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from psotrial.errors import DataEntryError
from psotrial.protocol import Protocol, Visit

__all__ = [
    "PlannedVisit",
    "WindowCheck",
    "build_schedule",
    "check_visit_window",
    "compute_study_day",
    "compute_visit_date",
]


def compute_study_day(first_infusion: date, on: date) -> int:
    """The CDISC study day of ``on`` (Day 1 = ``first_infusion``, no Day 0).

    Example:
        >>> first = date(2026, 3, 2)
        >>> [compute_study_day(first, date(2026, 3, d)) for d in (1, 2, 3)]
        [-1, 1, 2]
    """
    offset = (on - first_infusion).days
    return offset + 1 if offset >= 0 else offset


def compute_visit_date(first_infusion: date, day: int) -> date:
    """The calendar date of study day ``day``; the inverse of :func:`compute_study_day`.

    Raises:
        DataEntryError: ``day`` is 0, which CDISC study days skip.

    Example:
        >>> first = date(2026, 3, 2)
        >>> [compute_visit_date(first, d).isoformat() for d in (-1, 1, 85)]
        ['2026-03-01', '2026-03-02', '2026-05-25']
    """
    if day == 0:
        raise DataEntryError(
            "study day 0 does not exist (CDISC: Day 1 is the first infusion, "
            "the day before is Day -1)"
        )
    return first_infusion + timedelta(days=day - 1 if day > 0 else day)


@dataclass(frozen=True)
class PlannedVisit:
    """One visit of a participant's calendar: target date, window and what is due.

    ``infusion`` is the infusion number (1, 2, ...) when the arm doses at this visit.
    """

    code: str
    name: str
    epoch: str
    day: int
    target: date
    earliest: date
    latest: date
    infusion: int | None
    forms: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping; dates as ISO strings, forms as a list."""
        return {
            "code": self.code,
            "name": self.name,
            "epoch": self.epoch,
            "day": self.day,
            "target": self.target.isoformat(),
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "infusion": self.infusion,
            "forms": list(self.forms),
        }


def build_schedule(
    protocol: Protocol, first_infusion: date, arm_code: str | None = None
) -> tuple[PlannedVisit, ...]:
    """Every visit of ``protocol`` dated from ``first_infusion``, in protocol order.

    Args:
        protocol: the study definition.
        first_infusion: the date of Day 1.
        arm_code: the participant's arm; may be omitted when the protocol has one arm.

    Raises:
        NotFoundError: ``arm_code`` names no arm (or is omitted with several arms).
    """
    arm = protocol.arm(arm_code)
    infusions = {code: number for number, code in enumerate(arm.infusion_visits, start=1)}
    return tuple(
        PlannedVisit(
            code=visit.code,
            name=visit.name,
            epoch=visit.epoch,
            day=visit.day,
            target=compute_visit_date(first_infusion, visit.day),
            earliest=compute_visit_date(first_infusion, visit.first_day),
            latest=compute_visit_date(first_infusion, visit.last_day),
            infusion=infusions.get(visit.code),
            forms=visit.forms,
        )
        for visit in protocol.visits
    )


@dataclass(frozen=True)
class WindowCheck:
    """Whether a visit happened inside its window; ``days_from_target`` < 0 is early."""

    visit: str
    actual: date
    study_day: int
    earliest: date
    latest: date
    in_window: bool
    days_from_target: int
    reason: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping; dates as ISO strings."""
        return {
            "visit": self.visit,
            "actual": self.actual.isoformat(),
            "study_day": self.study_day,
            "earliest": self.earliest.isoformat(),
            "latest": self.latest.isoformat(),
            "in_window": self.in_window,
            "days_from_target": self.days_from_target,
            "reason": self.reason,
        }


def check_visit_window(
    protocol: Protocol, first_infusion: date, visit_code: str, actual: date
) -> WindowCheck:
    """Check the date a visit took place against the visit's window.

    Out-of-window visits are flagged, not rejected (architecture.md: analysis visits).

    Raises:
        NotFoundError: ``visit_code`` names no visit of the protocol.

    Example:
        >>> from psotrial.protocol import load_protocol
        >>> check = check_visit_window(
        ...     load_protocol("nct03745417"), date(2026, 3, 2), "W12", date(2026, 5, 21)
        ... )
        >>> check.in_window, check.study_day, check.days_from_target
        (False, 81, -4)
    """
    visit = protocol.visit(visit_code)
    target = compute_visit_date(first_infusion, visit.day)
    earliest = compute_visit_date(first_infusion, visit.first_day)
    latest = compute_visit_date(first_infusion, visit.last_day)
    study_day = compute_study_day(first_infusion, actual)
    return WindowCheck(
        visit=visit.code,
        actual=actual,
        study_day=study_day,
        earliest=earliest,
        latest=latest,
        in_window=earliest <= actual <= latest,
        days_from_target=(actual - target).days,
        reason=_window_reason(visit, actual, study_day, earliest, latest, target),
    )


def _window_reason(
    visit: Visit, actual: date, study_day: int, earliest: date, latest: date, target: date
) -> str:
    window = (
        f"window {earliest.isoformat()}..{latest.isoformat()} "
        f"(days {visit.first_day}..{visit.last_day})"
    )
    done = f"{visit.code} on {actual.isoformat()} (day {study_day})"
    if actual < earliest:
        return f"{done} is {_days((earliest - actual).days)} before its {window}"
    if actual > latest:
        return f"{done} is {_days((actual - latest).days)} after its {window}"
    offset = (actual - target).days
    if offset == 0:
        return f"{done} is on target, inside its {window}"
    side = "early" if offset < 0 else "late"
    return f"{done} is {_days(abs(offset))} {side}, inside its {window}"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"
