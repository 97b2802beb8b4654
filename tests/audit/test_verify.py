"""The audit trail: append-only, tamper-evident, and explaining every current value."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from psotrial.audit import verify_audit
from psotrial.capture.entries import save_entry
from psotrial.db.models import AuditEvent, FormEntry


def saved_trial(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        save_entry(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            visit="W0",
            form="itch",
            data={"vas_mm": 40},
            base_version=0,
            now=trial.now,
        )


def raw(trial: Any, *statements: str) -> None:
    """SQL run behind the application's back (an attacker with database access)."""
    with trial.db.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def disable_guard(trial: Any) -> list[str]:
    if trial.db.backend == "postgres":
        return ["ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"]
    return ["DROP TRIGGER audit_event_no_update", "DROP TRIGGER audit_event_no_delete"]


def test_verify_audit_intact(trial: Any) -> None:
    saved_trial(trial)
    with trial.db.factory() as session:
        report = verify_audit(session)
    assert report.ok, report.problems
    assert report.events > 100
    assert report.entries > 10


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_event SET actor = 'mallory'", "DELETE FROM audit_event WHERE id = 3"],
)
def test_audit_event_is_append_only(trial: Any, statement: str) -> None:
    saved_trial(trial)
    with pytest.raises(DBAPIError, match="append-only"):
        raw(trial, statement)


def test_verify_audit_catches_a_changed_event(trial: Any) -> None:
    saved_trial(trial)
    with trial.db.factory() as session:
        target = session.scalars(
            select(AuditEvent).where(AuditEvent.item == "vas_mm").order_by(AuditEvent.id.desc())
        ).first()
        assert target is not None
    raw(
        trial,
        *disable_guard(trial),
        f"UPDATE audit_event SET new_value = '10' WHERE id = {target.id}",
    )
    with trial.db.factory() as session:
        report = verify_audit(session)
    assert not report.ok
    assert report.problems[0].startswith(f"audit event {target.id}: content does not match")


def test_verify_audit_catches_a_removed_event(trial: Any) -> None:
    saved_trial(trial)
    raw(trial, *disable_guard(trial), "DELETE FROM audit_event WHERE id = 5")
    with trial.db.factory() as session:
        report = verify_audit(session)
    assert report.problems[0].startswith("audit event 6: chain broken")


def test_verify_audit_catches_a_truncated_tail(trial: Any) -> None:
    saved_trial(trial)
    with trial.db.factory() as session:
        last = session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    raw(trial, *disable_guard(trial), f"DELETE FROM audit_event WHERE id = {last}")
    with trial.db.factory() as session:
        report = verify_audit(session)
    assert any("events at the end were removed" in p for p in report.problems)


def test_verify_audit_catches_a_value_changed_behind_its_back(trial: Any) -> None:
    saved_trial(trial)
    raw(
        trial,
        "UPDATE form_entry SET data = '{\"vas_mm\":4}' "
        "WHERE form_code = 'itch' AND visit_code = 'W0'",
    )
    with trial.db.factory() as session:
        report = verify_audit(session)
        entry = session.scalars(
            select(FormEntry).where(FormEntry.form_code == "itch", FormEntry.visit_code == "W0")
        ).one()
    assert report.problems == [
        f"form entry {entry.id} (itch at W0): vas_mm not explained by the audit trail"
    ]
