"""A demo trial, built through the capture services from a synthetic cohort.

Demo users (one per role, passwords printed by the CLI), participants at every stage
(screen failure, on treatment, follow-up, completed, withdrawn), at least one serious
adverse event, open queries (from edit checks and one raised by the monitor), verified and
signed forms. The study is marked SYNTHETIC.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from psotrial.capture.actors import SYSTEM, Actor
from psotrial.capture.entries import save_entry
from psotrial.capture.importing import import_casebook
from psotrial.capture.queries import open_query
from psotrial.capture.review import verify_entry
from psotrial.capture.signatures import sign_entry
from psotrial.capture.study import ensure_study
from psotrial.capture.users import actor_for, create_user
from psotrial.db.engine import transaction
from psotrial.db.models import FormEntry, Participant
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import Protocol
from psotrial.simulate import simulate_cohort

__all__ = ["DEMO_START", "DemoSummary", "DemoUser", "build_demo"]

DEMO_START = date(2026, 1, 5)
DEMO_CUT_DAYS = 210
_ROLES = ("coordinator", "investigator", "monitor", "data_manager", "statistician", "admin")


@dataclass(frozen=True)
class DemoUser:
    """A demo login (synthetic)."""

    username: str
    role: str
    password: str


@dataclass(frozen=True)
class DemoSummary:
    """What the demo holds."""

    users: tuple[DemoUser, ...]
    statuses: dict[str, int]
    refused: tuple[str, ...]


def build_demo(
    factory: sessionmaker[Session],
    *,
    protocol: Protocol,
    protocol_name: str,
    participants: int = 30,
    seed: int = 7,
    now: datetime | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with the demo trial."""
    now = now or datetime.now(UTC)
    site = protocol.sites[0].code
    # A password must not contain the username (capture.users.check_password_policy).
    users = tuple(
        DemoUser(f"demo-{role.replace('_', '-')}", role, f"{role}-demo-2026") for role in _ROLES
    )
    actors: dict[str, Actor] = {}
    with transaction(factory) as session:
        ensure_study(
            session,
            actor=SYSTEM,
            protocol=protocol,
            protocol_name=protocol_name,
            synthetic=True,
            now=now,
        )
        for user in users:
            row = create_user(
                session,
                actor=SYSTEM,
                username=user.username,
                full_name=f"Demo {user.role} (synthetic)",
                role=user.role,
                password=user.password,
                sites=[site],
                now=now,
            )
            actors[user.role] = actor_for(row)
    cohort = simulate_cohort(
        protocol,
        n=participants,
        seed=seed,
        start=DEMO_START,
        data_cut=DEMO_START + timedelta(days=DEMO_CUT_DAYS),
    )
    refused = []
    for number, casebook in enumerate(cohort, start=1):
        try:
            with transaction(factory) as session:
                import_casebook(
                    session,
                    protocol=protocol,
                    actor=actors["coordinator"],
                    investigator=actors["investigator"],
                    casebook=casebook,
                    now=now,
                )
        except Exception as exc:  # a demo keeps going; the refusal is reported
            refused.append(f"candidate {number}: {exc}")
    with transaction(factory) as session:
        _review(session, protocol, actors, users, now)
        statuses = Counter(session.scalars(select(Participant.status)))
    return DemoSummary(users, dict(sorted(statuses.items())), tuple(refused))


def _review(
    session: Session,
    protocol: Protocol,
    actors: dict[str, Actor],
    users: tuple[DemoUser, ...],
    now: datetime,
) -> None:
    """Monitor verification, investigator signatures, a monitor query, and an SAE."""
    password = next(u.password for u in users if u.role == "investigator")
    completed = session.scalars(
        select(Participant).where(Participant.status == "completed").order_by(Participant.id)
    ).all()
    for participant in completed[:2]:
        entries = session.scalars(
            select(FormEntry)
            .where(
                FormEntry.participant_id == participant.id,
                FormEntry.form_code == "pasi",
                FormEntry.status == "complete",
            )
            .order_by(FormEntry.id)
        ).all()
        for entry in entries[:3]:
            verify_entry(session, actor=actors["monitor"], entry=entry, now=now)
            sign_entry(
                session, actor=actors["investigator"], password=password, entry=entry, now=now
            )
    treated = session.scalars(
        select(Participant)
        .where(Participant.status.in_(("on_treatment", "follow_up")))
        .order_by(Participant.id)
    ).first()
    if treated is None:
        return
    open_query(
        session,
        actor=actors["monitor"],
        participant=treated,
        message="Please confirm the source document for the baseline PASI.",
        now=now,
    )
    if not _has_sae(session):
        save_entry(
            session,
            protocol=protocol,
            actor=actors["investigator"],
            participant=treated,
            visit="W2",
            form="adverse_event",
            base_version=0,
            repeat=_next_repeat(session, treated),
            data={
                "ctcae_term": "Lung infection",
                "verbatim": "chest infection (synthetic)",
                "onset_date": (treated.first_infusion or DEMO_START).isoformat(),
                "grade": 3,
                "serious": True,
                "seriousness": "hospitalisation",
                "relatedness": "unlikely",
                "action_taken": "none",
                "outcome": "recovering",
            },
            now=now,
        )


def _has_sae(session: Session) -> bool:
    return any(
        loads_exact(data).get("serious")
        for data in session.scalars(
            select(FormEntry.data).where(FormEntry.form_code == "adverse_event")
        )
    )


def _next_repeat(session: Session, participant: Participant) -> int:
    repeats = session.scalars(
        select(FormEntry.repeat_index).where(
            FormEntry.participant_id == participant.id, FormEntry.form_code == "adverse_event"
        )
    )
    return max(repeats, default=0) + 1
