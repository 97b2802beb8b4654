"""The casebook: one participant's records as one JSON object (the import format, PURE).

``psotrial import FILE`` reads JSON Lines of these, one participant per line, and feeds each
through the capture services, so imported data is validated, scored and audited like typed
data; :mod:`psotrial.simulate` writes them. Form data inside is checked against the protocol
by capture, not here: this model fixes only the envelope::

    {
      "site": "GZ01",
      "screening": {
        "date": "2026-02-23",
        "planned_first_infusion": "2026-03-02",       # or null
        "forms": {FORM: {ITEM: value}},               # the screening forms
        "confirmations": {"EX05": true, "EX10": true}
      },
      "enrolment": {"first_infusion": "2026-03-02"},  # null: not enrolled (screen failure)
      "visits": [
        {"visit": "W0", "date": "2026-03-02", "forms": {FORM: {ITEM: value}}}
      ],
      "logs": [                                       # repeating forms, reported at a visit
        {"visit": "W2", "form": "adverse_event", "data": {ITEM: value}}
      ],
      "withdrawal": {"date": "2026-05-04", "reason": "moved away"}   # or null
    }

Visits are listed in schedule order; a visit's ``forms`` are those it collects. The
participant ends ``completed`` when the ``end_of_study`` form says so, ``follow_up`` once
the last treatment-epoch visit is done, ``on_treatment`` after the first infusion.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Casebook", "Enrolment", "LogRecord", "Screening", "VisitRecord", "Withdrawal"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Screening(_Strict):
    """The screening visit: its date, forms and the investigator's confirmations."""

    date: dt.date
    planned_first_infusion: dt.date | None = None
    forms: dict[str, dict[str, Any]]
    confirmations: dict[str, bool] = Field(default_factory=dict)


class Enrolment(_Strict):
    """Enrolment of an eligible candidate; the first infusion is Day 1."""

    first_infusion: dt.date


class VisitRecord(_Strict):
    """One visit as done: its actual date and the forms collected."""

    visit: str
    date: dt.date
    forms: dict[str, dict[str, Any]] = Field(default_factory=dict)


class LogRecord(_Strict):
    """One entry of a repeating form (adverse event, concomitant medication)."""

    visit: str
    form: str
    data: dict[str, Any]


class Withdrawal(_Strict):
    """Withdrawal from the study, with its date and reason."""

    date: dt.date
    reason: str = Field(min_length=1)


class Casebook(_Strict):
    """One participant's records, from screening to the end of the study."""

    site: str
    screening: Screening
    enrolment: Enrolment | None = None
    visits: tuple[VisitRecord, ...] = ()
    logs: tuple[LogRecord, ...] = ()
    withdrawal: Withdrawal | None = None
