"""Read the clinical summaries a casebook shows beside its visits: infusions and PASI over time.

The numbers are the stored ones, computed at save time by capture.scoring with the pure
instruments (PASI in exact tenths, the dose from schedule.dosing), so the casebook shows
what the analysis will use. One query each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.db.models import FormEntry, Visit
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import Protocol

__all__ = ["InfusionRow", "PasiPoint", "list_infusions", "list_pasi_points"]


@dataclass(frozen=True)
class InfusionRow:
    """One infusion: the protocol's planned dose beside the entered and the actual dose.

    ``protocol_cells`` is 2x10^6 cells/kg x the latest weight on or before the visit
    (schedule.dosing.compute_dose, stored with the entry's scores); ``deviation`` is the
    exact check of actual against it beyond the arm's ``deviation_pct`` (10 %).
    """

    entry_id: int
    visit: str
    visit_date: date | None
    number: int | None
    weight_kg: Decimal | None
    protocol_cells: int | None
    planned_cells: int | None
    actual_cells: int | None
    deviation_pct: Decimal | None
    deviation: bool
    completed: bool | None
    reaction: bool | None
    status: str


@dataclass(frozen=True)
class PasiPoint:
    """The PASI total at one visit (None when it could not be scored)."""

    visit: str
    week: int | None
    visit_date: date | None
    pasi: Decimal | None


def list_infusions(session: Session, participant_id: int, protocol: Protocol) -> list[InfusionRow]:
    """Every stored infusion record of the participant, in schedule order."""
    rows = _entries(session, participant_id, "infusion")
    order = {v.code: i for i, v in enumerate(protocol.visits)}
    result = []
    for entry_id, visit, data, scores, status, locked, visit_date in rows:
        values: dict[str, Any] = loads_exact(data)
        scored: dict[str, Any] = loads_exact(scores)
        pct = scored.get("deviation_pct")
        result.append(
            InfusionRow(
                entry_id=entry_id,
                visit=visit,
                visit_date=visit_date,
                number=values.get("infusion_number"),
                weight_kg=_decimal(scored.get("weight_kg", values.get("weight_kg_used"))),
                protocol_cells=scored.get("planned_cells"),
                planned_cells=values.get("planned_cells"),
                actual_cells=values.get("actual_cells"),
                deviation_pct=_decimal(pct),
                deviation=scored.get("deviation") is True,
                completed=values.get("completed"),
                reaction=values.get("reaction"),
                status="locked" if locked else status,
            )
        )
    result.sort(key=lambda r: order.get(r.visit, len(order)))
    return result


def list_pasi_points(session: Session, participant_id: int, protocol: Protocol) -> list[PasiPoint]:
    """The stored PASI total at each visit that has a PASI form, in schedule order."""
    weeks = {v.code: v.week for v in protocol.visits}
    order = {v.code: i for i, v in enumerate(protocol.visits)}
    points = [
        PasiPoint(
            visit=visit,
            week=weeks.get(visit),
            visit_date=visit_date,
            pasi=_decimal(loads_exact(scores).get("pasi")),
        )
        for _, visit, _, scores, _, _, visit_date in _entries(session, participant_id, "pasi")
    ]
    points.sort(key=lambda p: order.get(p.visit, len(order)))
    return points


def _entries(
    session: Session, participant_id: int, form: str
) -> list[tuple[int, str, str, str, str, bool, date | None]]:
    return list(
        session.execute(
            select(
                FormEntry.id,
                FormEntry.visit_code,
                FormEntry.data,
                FormEntry.scores,
                FormEntry.status,
                FormEntry.locked,
                Visit.actual_date,
            )
            .join(
                Visit,
                (Visit.participant_id == FormEntry.participant_id)
                & (Visit.visit_code == FormEntry.visit_code),
                isouter=True,
            )
            .where(FormEntry.participant_id == participant_id, FormEntry.form_code == form)
        )
    )


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    return value if isinstance(value, Decimal) else Decimal(value)
