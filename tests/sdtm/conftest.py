# ruff: noqa: E501  (literal expected tables read best one record per line)
"""A small literal trial for the SDTM tests: one participant in follow-up, one screen failure.

GZ01-001 consents 2026-02-20, is screened 2026-02-23, has infusions on 2026-03-02 (Day 1,
09:30 Shanghai time) and 2026-03-16, W12 on 2026-05-25 and W16 on 2026-06-22 (ongoing).
GZ01-S002 fails IN01 on 2026-02-24.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from psotrial.protocol import Protocol, load_protocol
from psotrial.sdtm import Captured, build_captured, build_sdtm

AT = datetime(2026, 6, 30, tzinfo=UTC)

PASI_SCR = {
    "head.erythema": 2, "head.induration": 1, "head.desquamation": 2, "head.area_pct": 15,
    "upper_limbs.erythema": 3, "upper_limbs.induration": 2, "upper_limbs.desquamation": 2,
    "upper_limbs.area_pct": 35,
    "trunk.erythema": 2, "trunk.induration": 2, "trunk.desquamation": 1, "trunk.area_pct": 20,
    "lower_limbs.erythema": 3, "lower_limbs.induration": 3, "lower_limbs.desquamation": 3,
    "lower_limbs.area_pct": Decimal("9.99"),
}  # fmt: skip


def _entry(
    entry_id: int, pid: int, visit: str, form: str, data: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    return {"entry_id": entry_id, "participant_id": pid, "visit_code": visit, "form_code": form,
            "data": data, "updated_at": AT} | extra  # fmt: skip


def small_captured() -> Captured:
    """The literal trial described in the module docstring."""
    labs = {
        "ALT": {"value": 88, "lln": 7, "uln": 40, "unit": "U/L"},
        "CA": {"value": Decimal("2.10"), "lln": Decimal("2.11"), "uln": Decimal("2.52"), "unit": "mmol/L"},
    }  # fmt: skip
    entries = [
        _entry(1, 1, "SCR", "informed_consent", {"signed": True, "consent_date": "2026-02-20"}),
        _entry(2, 1, "SCR", "demographics", {"birth_date": "1981-07-09", "sex": "F",
                                              "ethnicity": "han", "height_cm": 162}),
        _entry(3, 1, "SCR", "pasi", PASI_SCR, scores={"pasi": Decimal("22.6")}),
        _entry(4, 1, "W0", "pasi", PASI_SCR | {"head.area_pct": 0, "head.erythema": 0,
                                                  "head.induration": 0, "head.desquamation": 0}),
        _entry(5, 1, "W0", "infusion", {"infusion_number": 1, "start_time": "2026-03-02T01:30:00Z",
                                         "weight_kg_used": Decimal("61.5"), "planned_cells": 123000000,
                                         "actual_cells": 123000000, "lot_number": "LOT-SYN-1",
                                         "completed": True, "reaction": False}),
        _entry(6, 1, "W2", "infusion", {"infusion_number": 2, "start_time": "2026-03-16T10:00:00+08:00",
                                         "weight_kg_used": 60, "planned_cells": 120000000,
                                         "actual_cells": 105000000, "lot_number": "LOT-SYN-2",
                                         "completed": False, "reaction": True}),
        _entry(7, 1, "SCR", "labs", labs),
        _entry(8, 1, "W4", "labs", {"ALT": {"value": 30, "lln": 7, "uln": 40, "unit": "U/L"}}),
        _entry(9, 1, "SCR", "vital_signs", {"weight_kg": Decimal("61.5"), "systolic_bp": 122}),
        _entry(10, 1, "W0", "vital_signs", {"weight_kg": Decimal("61.0")}),
        _entry(11, 1, "W2", "vital_signs", {"weight_kg": Decimal("60.0")}),
        _entry(12, 1, "W0", "dlqi", {"q1": 3, "q2": 2, "q3": "not_relevant", "q4": 1, "q5": 0, "q6": 1,
                                     "q7a": "no", "q7b": 2, "q8": 1, "q9": 0, "q10": 1},
               scores={"total": 12, "subscales": {"symptoms_feelings": 5, "daily_activities": 1,
                                                  "leisure": 1, "work_school": 2,
                                                  "personal_relationships": 1, "treatment": 1}}),
        _entry(13, 1, "W0", "itch", {"vas_mm": 62}),
        _entry(14, 1, "SCR", "zung_sas", {f"q{n}": 1 for n in range(1, 21)},
               scores={"raw": 35, "index": Decimal("43.75")}),
        _entry(15, 1, "SCR", "bsa", {"head": Decimal("1.5"), "upper_limbs": 7, "trunk": 6, "lower_limbs": 22},
               scores={"bsa_pct": Decimal("36.5")}),
        _entry(16, 1, "W2", "adverse_event", {"ctcae_term": "Lung infection", "verbatim": "chest infection",
                                              "onset_date": "2026-03-10", "grade": 3, "serious": True,
                                              "seriousness": "hospitalisation", "relatedness": "unlikely",
                                              "action_taken": "none", "outcome": "recovering"},
               repeat_index=1, scores={"ctcae_term": "Lung infection", "meddra_code": "10061229",
                                       "soc": "Infections and infestations"}),
        _entry(17, 1, "W2", "concomitant_medication", {"name": "Loratadine", "indication": "pruritus",
                                                       "dose": 10, "dose_unit": "mg", "route": "oral",
                                                       "start_date": "2026-03-05", "ongoing": True},
               repeat_index=1),
        _entry(18, 1, "SCR", "prior_therapies", {"topical_last_date": "2026-01-10",
                                                 "systemic_last_date": None}),
        _entry(19, 1, "SCR", "psoriasis_history", {"diagnosis_date": "2012-04", "type": "vulgaris",
                                                   "face_only": False, "arthritis": True}),
        _entry(20, 1, "SCR", "medical_history", {"malignancy": False, "allergy_history": False}),
        _entry(21, 1, "W2", "pasi", PASI_SCR, status="draft"),
        _entry(22, 2, "SCR", "informed_consent", {"signed": True, "consent_date": "2026-02-24"}),
        _entry(23, 2, "SCR", "demographics", {"birth_date": "1990-01-01", "sex": "M"}),
    ]  # fmt: skip
    visits = [
        {"participant_id": 1, "visit_code": code, "actual_date": day}
        for code, day in (
            ("SCR", date(2026, 2, 23)),
            ("W0", date(2026, 3, 2)),
            ("W2", date(2026, 3, 16)),
            ("W4", date(2026, 3, 30)),
            ("W12", date(2026, 5, 25)),
            ("W16", date(2026, 6, 22)),
        )
    ] + [{"participant_id": 2, "visit_code": "SCR", "actual_date": date(2026, 2, 24)}]
    participants = [
        {"participant_id": 1, "site_code": "GZ01", "screening_number": "GZ01-S001",
         "participant_code": "GZ01-001", "status": "follow_up", "status_date": date(2026, 5, 25),
         "screening_date": date(2026, 2, 23), "first_infusion": date(2026, 3, 2)},
        {"participant_id": 2, "site_code": "GZ01", "screening_number": "GZ01-S002",
         "status": "screen_failed", "status_date": date(2026, 2, 24),
         "status_reason": "not met: IN01", "screening_date": date(2026, 2, 24)},
    ]  # fmt: skip
    verdicts = [
        {"participant_id": 2, "criterion_id": "IN01", "status": "not_met", "reason": "pasi.total 3 <= 7"},
        {"participant_id": 2, "criterion_id": "IN02", "status": "met", "reason": "ok"},
        {"participant_id": 2, "criterion_id": "EX04", "status": "not_met", "reason": "SAS 52.5 > 50"},
    ]  # fmt: skip
    return build_captured(
        participants=participants,
        visits=visits,
        entries=entries,
        verdicts=verdicts,
        data_cut=date(2026, 6, 30),
    )


@pytest.fixture(scope="module")
def protocol() -> Protocol:
    return load_protocol("nct03745417")


@pytest.fixture(scope="module")
def captured() -> Captured:
    return small_captured()


@pytest.fixture(scope="module")
def sdtm(captured: Captured, protocol: Protocol) -> dict[str, pl.DataFrame]:
    return build_sdtm(captured, protocol)


@pytest.fixture
def pasi_scr() -> dict[str, Any]:
    return dict(PASI_SCR)
