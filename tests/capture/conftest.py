"""A trial on a fresh database: the study, one user per role, and helpers to screen and enrol."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

from psotrial.capture.actors import SYSTEM, Actor
from psotrial.capture.enrolment import enrol
from psotrial.capture.entries import save_entry
from psotrial.capture.participants import register_candidate
from psotrial.capture.study import ensure_study
from psotrial.capture.users import actor_for, create_user
from psotrial.capture.visits import record_visit
from psotrial.db.engine import transaction
from psotrial.db.models import Participant
from psotrial.protocol import Protocol, load_protocol
from psotrial.screening.schema import build_example_record

PASSWORD = "synthetic-pass-123"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Trial:
    """The database, the protocol and an actor per role."""

    db: Any
    protocol: Protocol
    actors: dict[str, Actor] = field(default_factory=dict)
    now: datetime = NOW
    password: str = PASSWORD

    def session(self) -> Any:
        return transaction(self.db.factory)

    def screening_forms(self) -> dict[str, Any]:
        forms = copy.deepcopy(build_example_record(self.protocol)["forms"])
        return dict(forms)

    def screen(self, session: Session, forms: dict[str, Any] | None = None) -> Participant:
        coordinator = self.actors["coordinator"]
        participant = register_candidate(
            session,
            actor=coordinator,
            site="GZ01",
            screening_date=date(2026, 2, 23),
            planned_first_infusion=date(2026, 3, 2),
            now=NOW,
        )
        record_visit(
            session,
            protocol=self.protocol,
            actor=coordinator,
            participant=participant,
            visit="SCR",
            on=date(2026, 2, 23),
            now=NOW,
        )
        for form, data in (forms or self.screening_forms()).items():
            save_entry(
                session,
                protocol=self.protocol,
                actor=coordinator,
                participant=participant,
                visit="SCR",
                form=form,
                data=data,
                base_version=0,
                now=NOW,
            )
        return participant

    def enrolled(self, session: Session) -> Participant:
        participant = self.screen(session)
        return enrol(
            session,
            protocol=self.protocol,
            actor=self.actors["investigator"],
            participant=participant,
            first_infusion=date(2026, 3, 2),
            now=NOW,
        )


@pytest.fixture
def trial(database: Any) -> Trial:
    protocol = load_protocol("nct03745417")
    trial = Trial(database, protocol)
    with transaction(database.factory) as session:
        ensure_study(
            session,
            actor=SYSTEM,
            protocol=protocol,
            protocol_name="nct03745417",
            synthetic=True,
            now=NOW,
        )
        admin = Actor("admin", "admin")
        for role in ("coordinator", "investigator", "monitor", "data_manager", "statistician"):
            user = create_user(
                session,
                actor=SYSTEM,
                username=role,
                full_name=f"{role} (synthetic)",
                role=role,
                password=PASSWORD,
                sites=["GZ01"],
                now=NOW,
            )
            trial.actors[role] = actor_for(user)
        trial.actors["admin"] = admin
    return trial
