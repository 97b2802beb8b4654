"""``psotrial audit verify``: walk the chain, then explain every current value by its history.

1. Chain: each event's ``prev_hash`` is the hash before it, its ``hash`` recomputes from its
   content, and the head names the last event. The first event that fails is reported.
2. Explanation: replaying the item-level events of each form entry gives exactly the entry's
   current data and status; a value changed behind the trail's back is reported.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.audit.trail import GENESIS, STATUS_ITEM, compute_event_hash, event_content
from psotrial.db.models import AuditEvent, AuditHead, FormEntry
from psotrial.jsoncodec import loads_exact

__all__ = ["VerifyReport", "verify_audit"]

_BATCH = 5_000


@dataclass
class VerifyReport:
    """What verification found; ``ok`` when nothing."""

    events: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is intact and every value is explained."""
        return not self.problems


def verify_audit(session: Session) -> VerifyReport:
    """Verify the chain and that every current form value is explained by its history."""
    report = VerifyReport()
    history: dict[str, dict[str, Any]] = defaultdict(dict)
    statuses: dict[str, str] = {}
    previous, last_id = GENESIS, 0
    broken = False
    query = select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=_BATCH)
    for event in session.scalars(query):
        report.events += 1
        last_id = event.id
        if not broken:
            expected = compute_event_hash(previous, event_content(event))
            if event.prev_hash != previous:
                report.problems.append(
                    f"audit event {event.id}: chain broken (its previous hash does not match "
                    f"event before it): an event was removed, inserted or reordered"
                )
                broken = True
            elif event.hash != expected:
                report.problems.append(
                    f"audit event {event.id}: content does not match its hash "
                    f"(changed after it was written: {event.action} {event.entity} "
                    f"{event.entity_id} {event.item or ''})".rstrip()
                )
                broken = True
        previous = event.hash
        if event.entity == "form_entry" and event.entity_id is not None:
            _replay(event, history, statuses)
    head = session.get(AuditHead, 1)
    if head is None:
        report.problems.append("audit head is missing: run `psotrial db upgrade`")
    elif not broken and (head.last_hash != previous or head.last_id != last_id):
        report.problems.append(
            f"audit chain ends at event {last_id} but the head names event {head.last_id}: "
            "events at the end were removed"
        )
    _explain_entries(session, history, statuses, report)
    return report


def _replay(
    event: AuditEvent, history: dict[str, dict[str, Any]], statuses: dict[str, str]
) -> None:
    key = event.entity_id or ""
    if event.item == STATUS_ITEM and event.action in ("create", "status"):
        statuses[key] = loads_exact(event.new_value) if event.new_value else ""
    elif event.item and event.action in ("create", "update"):
        data = history[key]
        if event.new_value is None:
            data.pop(event.item, None)
        else:
            data[event.item] = loads_exact(event.new_value)


def _explain_entries(
    session: Session,
    history: dict[str, dict[str, Any]],
    statuses: dict[str, str],
    report: VerifyReport,
) -> None:
    query = select(FormEntry).order_by(FormEntry.id).execution_options(yield_per=_BATCH)
    for entry in session.scalars(query):
        report.entries += 1
        key = str(entry.id)
        current = loads_exact(entry.data)
        replayed = history.get(key, {})
        if current != replayed:
            items = sorted(
                name
                for name in set(current) | set(replayed)
                if current.get(name, None) != replayed.get(name, None)
                or (name in current) != (name in replayed)
            )
            report.problems.append(
                f"form entry {entry.id} ({entry.form_code} at {entry.visit_code}): "
                f"{', '.join(items)} not explained by the audit trail"
            )
        if statuses.get(key) != entry.status:
            report.problems.append(
                f"form entry {entry.id} ({entry.form_code} at {entry.visit_code}): status "
                f"{entry.status!r} not explained by the audit trail ({statuses.get(key)!r})"
            )
