"""Concurrent writers: unique IDs, one unforked audit chain, conflicts refused, nothing lost."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from sqlalchemy import select

from psotrial.audit import verify_audit
from psotrial.capture.entries import find_entry, save_entry
from psotrial.capture.participants import register_candidate
from psotrial.db.engine import transaction
from psotrial.db.models import Participant
from psotrial.errors import ConflictError


def test_concurrent_registrations_get_unique_numbers_and_one_chain(trial: Any) -> None:
    def register(_: int) -> str:
        with transaction(trial.db.factory) as session:
            participant = register_candidate(
                session,
                actor=trial.actors["coordinator"],
                site="GZ01",
                screening_date=date(2026, 2, 23),
                now=trial.now,
            )
            return participant.screening_number

    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(register, range(40)))
    assert sorted(numbers) == [f"GZ01-S{n:03d}" for n in range(1, 41)]
    with trial.db.factory() as session:
        report = verify_audit(session)
    assert report.ok, report.problems


def test_concurrent_edits_of_one_form_lose_no_update(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        save_entry(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            visit="W0",
            form="itch",
            data={"vas_mm": 0},
            base_version=0,
            now=trial.now,
        )
        code = participant.participant_code

    def edit(value: int) -> str:
        """Each writer read version 1 and tries to save on it: exactly one may win."""
        try:
            with transaction(trial.db.factory) as session:
                row = session.scalars(
                    select(Participant).where(Participant.participant_code == code)
                ).one()
                save_entry(
                    session,
                    protocol=trial.protocol,
                    actor=trial.actors["coordinator"],
                    participant=row,
                    visit="W0",
                    form="itch",
                    data={"vas_mm": value},
                    base_version=1,
                    reason="edit",
                    now=trial.now,
                )
            return "saved"
        except ConflictError:
            return "conflict"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(edit, range(1, 13)))
    assert outcomes.count("saved") == 1
    assert outcomes.count("conflict") == 11
    with trial.db.factory() as session:
        row = session.scalars(select(Participant).where(Participant.participant_code == code)).one()
        entry = find_entry(session, row, "W0", "itch")
        assert entry is not None
        assert entry.version == 2
        assert verify_audit(session).ok
