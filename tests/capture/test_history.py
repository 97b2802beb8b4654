"""item_history places each audit event at its visit, form and item."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from psotrial.capture.entries import save_entry
from psotrial.capture.history import item_history
from psotrial.capture.queries import open_query
from psotrial.capture.signatures import sign_entry
from psotrial.capture.visits import record_visit
from psotrial.protocol.answers import nest_answers


def _vitals(trial: Any, weight: Decimal) -> dict[str, Any]:
    values = {i.name: i.example for i in trial.protocol.form("vital_signs").items}
    return nest_answers({**values, "weight_kg": weight})


def test_item_history_follows_one_item_through_change_query_and_signature(trial: Any) -> None:
    with trial.session() as session:
        participant = trial.enrolled(session)
        coordinator = trial.actors["coordinator"]
        record_visit(
            session,
            protocol=trial.protocol,
            actor=coordinator,
            participant=participant,
            visit="W0",
            on=date(2026, 3, 2),
            now=trial.now,
        )
        first = save_entry(
            session,
            protocol=trial.protocol,
            actor=coordinator,
            participant=participant,
            visit="W0",
            form="vital_signs",
            data=_vitals(trial, Decimal(60)),
            base_version=0,
            now=trial.now,
        )
        open_query(
            session,
            actor=trial.actors["monitor"],
            participant=participant,
            message="check the scale",
            entry=first.entry,
            item="weight_kg",
            now=trial.now,
        )
        save_entry(
            session,
            protocol=trial.protocol,
            actor=coordinator,
            participant=participant,
            visit="W0",
            form="vital_signs",
            data=_vitals(trial, Decimal("61.5")),
            base_version=1,
            reason="scale recalibrated",
            now=trial.now,
        )
        sign_entry(session, actor=trial.actors["investigator"], password=trial.password,
                   entry=first.entry, now=trial.now)  # fmt: skip
        weight = item_history(session, participant.id, visit="W0", form="vital_signs",
                              item="weight_kg")  # fmt: skip
        form = item_history(session, participant.id, form="vital_signs")
        visit_date = item_history(session, participant.id, visit="W0", item="actual_date")
        everything = item_history(session, participant.id)
    assert [(e.action, e.actor, e.old, e.new, e.reason) for e in weight] == [
        ("create", "coordinator", None, 60, None),
        ("query_open", "monitor", None,
         {"check": None, "entry": first.entry.id, "message": "check the scale"}, None),
        ("update", "coordinator", 60, Decimal("61.5"), "scale recalibrated"),
    ]  # fmt: skip
    assert {(e.visit, e.form, e.repeat) for e in weight} == {("W0", "vital_signs", 0)}
    # The form's signature is placed at the form, with no item.
    assert [e.action for e in form if e.entity == "signature"] == ["sign"]
    assert [(e.visit, e.item, e.new) for e in visit_date] == [("W0", "actual_date", "2026-03-02")]
    # Participant-level events (its status) are kept when nothing is filtered.
    assert any(e.entity == "participant" and e.item == "status" for e in everything)
    assert all(e.visit is None for e in everything if e.entity == "participant")
