"""Saving forms: validation, scores, edit checks, versions, reasons, and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from psotrial.audit import verify_audit
from psotrial.capture.entries import find_entry, save_entry
from psotrial.capture.visits import record_visit
from psotrial.db.models import AuditEvent, FormEntry, Query
from psotrial.errors import ConflictError, FieldError, FieldErrors, LockedError, StateError
from psotrial.jsoncodec import loads_exact


def count(session: Any, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)))


def save(
    trial: Any,
    session: Any,
    participant: Any,
    visit: str,
    form: str,
    data: Any,
    base: int = 0,
    **kwargs: Any,
) -> Any:
    return save_entry(
        session,
        protocol=trial.protocol,
        actor=trial.actors["coordinator"],
        participant=participant,
        visit=visit,
        form=form,
        data=data,
        base_version=base,
        now=trial.now,
        **kwargs,
    )


PASI = {
    "head": {"erythema": 2, "induration": 1, "desquamation": 2, "area_pct": 15},
    "upper_limbs": {"erythema": 3, "induration": 2, "desquamation": 2, "area_pct": 35},
    "trunk": {"erythema": 2, "induration": 2, "desquamation": 1, "area_pct": 20},
    "lower_limbs": {"erythema": 3, "induration": 3, "desquamation": 3, "area_pct": 55},
}


def test_save_entry_scores_and_audits_each_item(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        saved = save(trial, session, participant, "W0", "pasi", PASI)
        assert saved.scores["pasi"] == Decimal("22.6")
        events = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity == "form_entry", AuditEvent.entity_id == str(saved.entry.id)
            )
        ).all()
        assert sorted(e.item for e in events) == sorted(
            [f"{r}.{k}" for r in PASI for k in PASI[r]] + ["_status"]
        )
        assert verify_audit(session).ok


def test_save_entry_invalid_writes_nothing(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        before = (count(session, FormEntry), count(session, AuditEvent))
        bad = {
            **PASI,
            "head": {"erythema": 5, "induration": "x", "desquamation": 1, "area_pct": 15},
        }
        with pytest.raises(FieldErrors) as caught:
            save(trial, session, participant, "W0", "pasi", bad)
        assert [e.field for e in caught.value.errors] == [
            "pasi.head.erythema",
            "pasi.head.induration",
        ]
        assert (count(session, FormEntry), count(session, AuditEvent)) == before


def test_save_entry_missing_required_item_needs_draft(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        partial = {"head": PASI["head"]}
        with pytest.raises(FieldErrors, match="save as draft"):
            save(trial, session, participant, "W0", "pasi", partial)
        saved = save(trial, session, participant, "W0", "pasi", partial, status="draft")
        assert saved.entry.status == "draft"
        assert "not_scored" in saved.scores


def test_save_entry_stale_version_is_a_conflict(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        save(trial, session, participant, "W0", "itch", {"vas_mm": 40})
        save(trial, session, participant, "W0", "itch", {"vas_mm": 41}, base=1, reason="typo")
        events = count(session, AuditEvent)
        with pytest.raises(ConflictError, match="version 2"):
            save(trial, session, participant, "W0", "itch", {"vas_mm": 50}, base=1, reason="x")
        entry = find_entry(session, participant, "W0", "itch")
        assert entry is not None
        assert loads_exact(entry.data) == {"vas_mm": 41}
        assert count(session, AuditEvent) == events


def test_save_entry_change_to_complete_needs_reason(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        save(trial, session, participant, "W0", "itch", {"vas_mm": 40})
        with pytest.raises(FieldError, match="give a reason"):
            save(trial, session, participant, "W0", "itch", {"vas_mm": 45}, base=1)
        saved = save(
            trial,
            session,
            participant,
            "W0",
            "itch",
            {"vas_mm": 45},
            base=1,
            reason="transcription error",
        )
        [event] = session.scalars(
            select(AuditEvent).where(
                AuditEvent.entity_id == str(saved.entry.id), AuditEvent.action == "update"
            )
        ).all()
        assert (event.old_value, event.new_value, event.reason) == (
            "40",
            "45",
            "transcription error",
        )


def test_save_entry_form_not_at_visit_is_refused(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        with pytest.raises(StateError, match="zung_sas is not collected at W2"):
            save(trial, session, participant, "W2", "zung_sas", {})


def test_save_entry_before_enrolment_only_screening(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.screen(session)
        with pytest.raises(StateError, match="not enrolled"):
            save(trial, session, participant, "W0", "itch", {"vas_mm": 3})


def test_save_entry_edit_checks_open_queries(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        pasi = {**PASI, "trunk": {"erythema": 2, "induration": 1, "desquamation": 0, "area_pct": 0}}
        saved = save(trial, session, participant, "W0", "pasi", pasi)
        bsa = save(
            trial,
            session,
            participant,
            "W0",
            "bsa",
            {"head": 12, "upper_limbs": 1, "trunk": 0, "lower_limbs": 0},
        )
        checks = [(q.check_id, q.item) for q in session.scalars(select(Query).order_by(Query.id))]
        assert ("EC002", "trunk.area_pct") in checks
        assert ("EC003", "head") in checks
        assert len(saved.queries) == 1
        assert len(bsa.queries) == 1
        # Saving again does not open the same query twice.
        save(trial, session, participant, "W0", "pasi", pasi, base=1)
        assert count(session, Query) == len(checks)


def test_record_visit_out_of_window_opens_ec001(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        visit = record_visit(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            visit="W12",
            on=date(2026, 5, 29),
            now=trial.now,
        )
        assert visit.window_status == "late"
        [query] = session.scalars(select(Query).where(Query.check_id == "EC001")).all()
        assert "W12" in query.message


def test_infusion_dose_deviation_flagged(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        record_visit(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            visit="W0",
            on=date(2026, 3, 2),
            now=trial.now,
        )
        infusion = {
            "infusion_number": 1,
            "start_time": "2026-03-02T09:30:00+08:00",
            "weight_kg_used": 61.5,
            "planned_cells": 123000000,
            "actual_cells": 110000000,
            "lot_number": "LOT-SYN-1",
            "completed": True,
            "reaction": False,
        }
        saved = save(trial, session, participant, "W0", "infusion", infusion)
        assert saved.scores["planned_cells"] == 123000000
        assert saved.scores["deviation"] is True
        assert participant.status == "on_treatment"


def test_adverse_event_term_coded_and_sae_deadline(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        ae = {
            "ctcae_term": "lung infection",
            "verbatim": "chest infection",
            "onset_date": "2026-03-10",
            "grade": 3,
            "serious": True,
            "seriousness": "hospitalisation",
            "relatedness": "not_related",
            "action_taken": "none",
            "outcome": "recovering",
        }
        saved = save(trial, session, participant, "W2", "adverse_event", ae, repeat=1)
        assert (saved.scores["ctcae_term"], saved.scores["meddra_code"]) == (
            "Lung infection",
            "10061229",
        )
        assert saved.scores["expedited_report"]["days"] == 15
        with pytest.raises(FieldError, match=r"not a CTCAE v5\.0 term"):
            save(
                trial,
                session,
                participant,
                "W2",
                "adverse_event",
                {**ae, "ctcae_term": "Feeling unwell"},
                repeat=2,
            )


def test_locked_entry_cannot_change(trial: Any) -> None:
    from psotrial.capture.review import lock_entry, unlock_entry

    with trial.session() as session:
        participant = trial.enrolled(session)
        saved = save(trial, session, participant, "W0", "itch", {"vas_mm": 40})
        lock_entry(session, actor=trial.actors["data_manager"], entry=saved.entry, now=trial.now)
        with pytest.raises(LockedError):
            save(trial, session, participant, "W0", "itch", {"vas_mm": 41}, base=2, reason="x")
        unlock_entry(
            session,
            actor=trial.actors["data_manager"],
            entry=saved.entry,
            reason="query answered",
            now=trial.now,
        )
        save(trial, session, participant, "W0", "itch", {"vas_mm": 41}, base=3, reason="fix")
        assert verify_audit(session).ok


def test_sae_deadline_counts_from_the_first_save_not_each_edit(trial: Any) -> None:
    ae = {
        "ctcae_term": "lung infection",
        "verbatim": "chest infection",
        "onset_date": "2026-03-10",
        "grade": 3,
        "serious": True,
        "seriousness": "hospitalisation",
        "relatedness": "not_related",
        "action_taken": "none",
        "outcome": "recovering",
    }
    with trial.session() as session:
        participant = trial.enrolled(session)
        first = save(trial, session, participant, "W2", "adverse_event", ae, repeat=1)
        deadline = first.scores["expedited_report"]["deadline"]
        assert deadline == "2026-03-17"
        edited = save_entry(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            visit="W2",
            form="adverse_event",
            data={**ae, "grade": 4},
            base_version=first.entry.version,
            now=trial.now + timedelta(days=5),
            repeat=1,
            reason="grade revised",
        )
        assert edited.scores["expedited_report"]["deadline"] == deadline
