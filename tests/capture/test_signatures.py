"""Signatures, verification, queries and locks: who may, and what changes afterwards."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from psotrial.audit import verify_audit
from psotrial.capture.entries import save_entry
from psotrial.capture.queries import answer_query, close_query, open_query
from psotrial.capture.review import lock_participant, lock_study, unlock_study, verify_entry
from psotrial.capture.signatures import sign_casebook, sign_entry
from psotrial.db.models import Signature
from psotrial.errors import FieldError, LockedError, PermissionDenied, StateError


def itch(trial: Any, session: Any, participant: Any, vas: int, base: int, **kw: Any) -> Any:
    return save_entry(
        session,
        protocol=trial.protocol,
        actor=trial.actors["coordinator"],
        participant=participant,
        visit="W0",
        form="itch",
        data={"vas_mm": vas},
        base_version=base,
        now=trial.now,
        **kw,
    ).entry


def test_sign_then_change_invalidates_visibly(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        entry = itch(trial, session, participant, 40, 0)
        verify_entry(session, actor=trial.actors["monitor"], entry=entry, now=trial.now)
        signature = sign_entry(
            session,
            actor=trial.actors["investigator"],
            password=trial.password,
            entry=entry,
            now=trial.now,
        )
        assert (entry.status, signature.valid) == ("signed", True)
        assert len(signature.content_hash) == 64
        itch(trial, session, participant, 45, entry.version, reason="re-measured")
        assert entry.status == "complete"
        [stored] = session.scalars(select(Signature)).all()
        assert stored.valid is False
        assert "vas_mm" in (stored.invalidated_reason or "")
        assert verify_audit(session).ok


def test_sign_needs_the_signers_password(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        entry = itch(trial, session, participant, 40, 0)
        with pytest.raises(PermissionDenied, match="password is not correct"):
            sign_entry(
                session,
                actor=trial.actors["investigator"],
                password="wrong-password",
                entry=entry,
                now=trial.now,
            )
        with pytest.raises(PermissionDenied, match="may not sign"):
            sign_entry(
                session,
                actor=trial.actors["coordinator"],
                password=trial.password,
                entry=entry,
                now=trial.now,
            )


def test_sign_casebook_refuses_drafts(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        save_entry(
            session,
            protocol=trial.protocol,
            actor=trial.actors["coordinator"],
            participant=participant,
            visit="W0",
            form="pasi",
            data={},
            base_version=0,
            status="draft",
            now=trial.now,
        )
        with pytest.raises(StateError, match="draft forms: pasi at W0"):
            sign_casebook(
                session,
                actor=trial.actors["investigator"],
                password=trial.password,
                participant=participant,
                now=trial.now,
            )


def test_query_open_answer_close(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        entry = itch(trial, session, participant, 40, 0)
        query = open_query(
            session,
            actor=trial.actors["monitor"],
            participant=participant,
            entry=entry,
            item="vas_mm",
            message="Source says 44?",
            now=trial.now,
        )
        with pytest.raises(PermissionDenied, match="may not close query"):
            close_query(
                session, actor=trial.actors["coordinator"], query_id=query.id, now=trial.now
            )
        answer_query(
            session,
            actor=trial.actors["coordinator"],
            query_id=query.id,
            answer="Source checked: 40 is right",
            now=trial.now,
        )
        with pytest.raises(StateError, match="only an open query"):
            answer_query(
                session,
                actor=trial.actors["coordinator"],
                query_id=query.id,
                answer="again",
                now=trial.now,
            )
        close_query(session, actor=trial.actors["monitor"], query_id=query.id, now=trial.now)
        assert (query.status, query.closed_by) == ("closed", "monitor")
        with pytest.raises(FieldError, match="say what needs checking"):
            open_query(
                session,
                actor=trial.actors["monitor"],
                participant=participant,
                message=" ",
                now=trial.now,
            )


def test_locked_participant_and_database_refuse_changes(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        entry = itch(trial, session, participant, 40, 0)
        lock_study(session, actor=trial.actors["data_manager"], now=trial.now)
        with pytest.raises(LockedError, match="database is locked"):
            itch(trial, session, participant, 41, entry.version, reason="x")
        with pytest.raises(FieldError, match="needs a reason"):
            unlock_study(session, actor=trial.actors["data_manager"], reason="", now=trial.now)
        unlock_study(session, actor=trial.actors["data_manager"], reason="late data", now=trial.now)
        lock_participant(
            session, actor=trial.actors["data_manager"], participant=participant, now=trial.now
        )
        with pytest.raises(LockedError, match="participant GZ01-001 is locked"):
            itch(trial, session, participant, 41, entry.version, reason="x")
        with pytest.raises(PermissionDenied, match="may not lock"):
            lock_study(session, actor=trial.actors["monitor"], now=trial.now)
