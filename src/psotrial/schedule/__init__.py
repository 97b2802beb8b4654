"""The participant's calendar and dosing (PURE): study days, visit windows, cells per infusion.

Dates are passed in (``first_infusion``, ``actual``, ``on``); nothing here reads the clock.
``build_schedule(protocol, date(2026, 3, 2))`` dates every visit of the protocol;
``check_visit_window`` flags a visit outside its window; ``compute_dose`` and
``check_dose`` give the planned cells and flag a deviation beyond the protocol's limit.
"""

from psotrial.schedule.calendar import (
    PlannedVisit,
    WindowCheck,
    build_schedule,
    check_visit_window,
    compute_study_day,
    compute_visit_date,
)
from psotrial.schedule.dosing import (
    DoseCheck,
    DosePlan,
    check_dose,
    compute_dose,
    plan_dose,
    select_dosing_weight,
)

__all__ = [
    "DoseCheck",
    "DosePlan",
    "PlannedVisit",
    "WindowCheck",
    "build_schedule",
    "check_dose",
    "check_visit_window",
    "compute_dose",
    "compute_study_day",
    "compute_visit_date",
    "plan_dose",
    "select_dosing_weight",
]
