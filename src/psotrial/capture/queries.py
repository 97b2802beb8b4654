"""Queries: opened by edit checks or by people on any item, answered, and closed.

Open -> answered -> closed (a query may also be closed straight from open, e.g. when the
data was corrected). Closing needs a role that may close (monitor, data manager).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.audit import Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.scoring import Finding
from psotrial.db.models import FormEntry, Participant, Query
from psotrial.errors import FieldError, NotFoundError, StateError

__all__ = ["answer_query", "close_query", "open_finding_queries", "open_query"]


def open_query(
    session: Session,
    *,
    actor: Actor,
    participant: Participant,
    message: str,
    entry: FormEntry | None = None,
    item: str | None = None,
    check_id: str | None = None,
    now: datetime | None = None,
    audit: list[Change] | None = None,
) -> Query:
    """Raise a query on a participant, a form, or one item of a form.

    ``audit``: a list to add the audit event to, for a caller that appends its own events
    and these in one go (the same events, in the same order), instead of appending here.
    """
    if check_id is None:
        require(actor, "open_query", participant.site.code)
    if not message.strip():
        raise FieldError("message", "say what needs checking")
    now = now or datetime.now(UTC)
    query = Query(
        participant_id=participant.id,
        entry_id=entry.id if entry else None,
        item=item,
        check_id=check_id,
        message=message,
        status="open",
        opened_by=actor.username,
        opened_at=now,
    )
    session.add(query)
    session.flush()
    change = Change(
        "query_open",
        "query",
        str(query.id),
        participant.id,
        item,
        new={"message": message, "entry": query.entry_id, "check": check_id},
    )
    if audit is not None:
        audit.append(change)
    else:
        append_events(session, actor=actor.username, at=now, changes=[change])
    return query


def open_finding_queries(
    session: Session,
    *,
    actor: Actor,
    participant: Participant,
    entry: FormEntry,
    findings: Sequence[Finding],
    now: datetime,
    audit: list[Change] | None = None,
) -> list[int]:
    """Open a query per finding, unless the same check is already open on that item
    (``audit``: as for :func:`open_query`)."""
    if not findings:
        return []
    already = {
        (q.check_id, q.item)
        for q in session.scalars(
            select(Query).where(Query.entry_id == entry.id, Query.status != "closed")
        )
    }
    opened = []
    for finding in findings:
        if (finding.check_id, finding.item) in already:
            continue
        query = open_query(
            session,
            actor=actor,
            participant=participant,
            entry=entry,
            item=finding.item,
            check_id=finding.check_id,
            message=f"{finding.check_id}: {finding.message}",
            now=now,
            audit=audit,
        )
        opened.append(query.id)
    return opened


def answer_query(
    session: Session, *, actor: Actor, query_id: int, answer: str, now: datetime | None = None
) -> Query:
    """Answer an open query."""
    query = _get(session, query_id)
    participant = session.get_one(Participant, query.participant_id)
    require(actor, "answer_query", participant.site.code)
    if query.status != "open":
        raise StateError(f"query {query_id} is {query.status}; only an open query can be answered")
    if not answer.strip():
        raise FieldError("answer", "give an answer")
    now = now or datetime.now(UTC)
    query.status, query.answer, query.answered_by, query.answered_at = (
        "answered",
        answer,
        actor.username,
        now,
    )
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change(
                "query_answer",
                "query",
                str(query.id),
                query.participant_id,
                query.item,
                old="open",
                new=answer,
            )
        ],
    )
    return query


def close_query(
    session: Session, *, actor: Actor, query_id: int, note: str = "", now: datetime | None = None
) -> Query:
    """Close a query (monitor or data manager)."""
    query = _get(session, query_id)
    participant = session.get_one(Participant, query.participant_id)
    require(actor, "close_query", participant.site.code)
    if query.status == "closed":
        raise StateError(f"query {query_id} is already closed")
    now = now or datetime.now(UTC)
    old = query.status
    query.status, query.closed_by, query.closed_at, query.close_note = (
        "closed",
        actor.username,
        now,
        note or None,
    )
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change(
                "query_close",
                "query",
                str(query.id),
                query.participant_id,
                query.item,
                old=old,
                new="closed",
                reason=note or None,
            )
        ],
    )
    return query


def _get(session: Session, query_id: int) -> Query:
    query = session.get(Query, query_id)
    if query is None:
        raise NotFoundError("query", str(query_id))
    return query
