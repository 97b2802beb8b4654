"""The site's work lists and the dashboard that counts them, scoped to the actor's sites.

Each work list is one set-based query (a handful at most), never one query per
participant; the dashboard's numbers are the lengths of the same lists, so a number and the
list it links to always agree.

"Today" is the site's calendar day in its own time zone (a Guangzhou site's Monday starts
at 16:00 UTC on Sunday), so what is due or overdue does not depend on the server's zone:

* a visit is **due this week** when its window is open on some day of the next seven
  (today included) and it has no actual date yet;
* a visit is **overdue** when its window closed before today and it has no actual date;
* only participants who still have visits to attend count (enrolled, on treatment, in
  follow-up);
* an SAE's expedited report is due 7 days (fatal or life-threatening) or 15 days (others)
  after the site learnt of it (ICH E2A; capture.scoring); it counts as **reported** once the
  investigator has signed the adverse event form, and is **overdue** when its deadline
  passed before today without that signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from psotrial.capture.access import visible_site_codes
from psotrial.capture.actors import Actor
from psotrial.capture.participants import TRANSITIONS
from psotrial.db.models import FormEntry, Participant, Query, Site, Visit
from psotrial.errors import FieldError
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import Protocol

__all__ = [
    "AWAITING_SIGNATURE",
    "DUE_WINDOWS",
    "QUERY_STATUSES",
    "VISITING",
    "AdverseEventRow",
    "Dashboard",
    "DueVisit",
    "QueryRow",
    "UnsignedEntry",
    "build_dashboard",
    "compute_site_today",
    "list_adverse_events",
    "list_due_visits",
    "list_queries",
    "list_unsigned_entries",
]

VISITING = ("enrolled", "on_treatment", "follow_up")
AWAITING_SIGNATURE = ("complete", "verified")
DUE_WINDOWS = ("week", "overdue")
QUERY_STATUSES = ("open", "answered", "closed")
_AE_FORM = "adverse_event"
_REPORTED = frozenset({"signed", "locked"})

_Ts = TypeVarTuple("_Ts")
_LABEL = func.coalesce(Participant.participant_code, Participant.screening_number)


@dataclass(frozen=True)
class DueVisit:
    """A visit without an actual date whose window is open this week or already closed."""

    pid: str
    site: str
    visit: str
    target_date: date | None
    earliest_date: date | None
    latest_date: date | None
    overdue: bool


@dataclass(frozen=True)
class AdverseEventRow:
    """One adverse event entry; ``deadline`` only for a serious one."""

    entry_id: int
    pid: str
    site: str
    visit: str
    repeat: int
    ctcae_term: str | None
    verbatim: str | None
    grade: int | None
    serious: bool
    seriousness: str | None
    relatedness: str | None
    onset_date: str | None
    deadline: date | None
    reported: bool
    overdue: bool
    status: str


@dataclass(frozen=True)
class UnsignedEntry:
    """A complete or verified form waiting for the investigator's signature."""

    entry_id: int
    pid: str
    site: str
    site_timezone: str
    visit: str
    form: str
    repeat: int
    status: str
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class QueryRow:
    """A query with where it sits (visit, form and item; None when on the participant)."""

    id: int
    pid: str
    site: str
    site_timezone: str
    visit: str | None
    form: str | None
    repeat: int | None
    item: str | None
    check_id: str | None
    message: str
    status: str
    opened_by: str
    opened_at: datetime
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_note: str | None


@dataclass(frozen=True)
class Dashboard:
    """The numbers on the dashboard, for the sites the actor can see."""

    target_enrolment: int
    enrolled: int
    by_status: dict[str, int]
    due_this_week: int
    overdue_visits: int
    open_queries: int
    answered_queries: int
    adverse_events: int
    serious_adverse_events: int
    sae_reports_overdue: int
    awaiting_signature: int


def compute_site_today(now: datetime, timezone: str) -> date:
    """The calendar date at a site in ``timezone`` at the instant ``now`` (timezone-aware).

    Example:
        >>> from datetime import UTC
        >>> compute_site_today(datetime(2026, 3, 1, 16, 30, tzinfo=UTC), "Asia/Shanghai")
        datetime.date(2026, 3, 2)
        >>> compute_site_today(datetime(2026, 3, 1, 15, 59, tzinfo=UTC), "Asia/Shanghai")
        datetime.date(2026, 3, 1)
    """
    return now.astimezone(ZoneInfo(timezone)).date()


def build_dashboard(
    session: Session, *, actor: Actor, protocol: Protocol, now: datetime
) -> Dashboard:
    """Count every work list of the actor's sites at the instant ``now``."""
    codes = visible_site_codes(actor)
    by_status = dict(
        session.execute(
            _scoped(select(Participant.status, func.count()), codes).group_by(Participant.status)
        ).all()
    )
    enrolled = session.scalar(
        _scoped(select(func.count()), codes).where(Participant.participant_code.is_not(None))
    )
    queries = dict(
        session.execute(
            _scoped(select(Query.status, func.count()), codes)
            .join(Query, Query.participant_id == Participant.id)
            .group_by(Query.status)
        ).all()
    )
    due = list_due_visits(session, actor=actor, now=now)
    events = list_adverse_events(session, actor=actor, now=now)
    unsigned = session.scalar(_unsigned(select(func.count()), codes))
    return Dashboard(
        target_enrolment=protocol.identity.target_enrollment,
        enrolled=enrolled or 0,
        by_status={status: by_status.get(status, 0) for status in TRANSITIONS},
        due_this_week=sum(not v.overdue for v in due),
        overdue_visits=sum(v.overdue for v in due),
        open_queries=queries.get("open", 0),
        answered_queries=queries.get("answered", 0),
        adverse_events=len(events),
        serious_adverse_events=sum(e.serious for e in events),
        sae_reports_overdue=sum(e.overdue for e in events),
        awaiting_signature=unsigned or 0,
    )


def list_due_visits(
    session: Session, *, actor: Actor, now: datetime, when: str | None = None
) -> list[DueVisit]:
    """Visits due this week and overdue (``when``: ``week``, ``overdue`` or both), by date.

    Raises:
        FieldError: ``when`` is not one of :data:`DUE_WINDOWS`.
    """
    if when is not None and when not in DUE_WINDOWS:
        raise FieldError("when", f"unknown {when!r}; expected one of: {', '.join(DUE_WINDOWS)}")
    codes = visible_site_codes(actor)
    sites = _sites(session, codes)
    overdue_by_site: list[ColumnElement[bool]] = []
    week_by_site: list[ColumnElement[bool]] = []
    for site_id, timezone in sites:
        today = compute_site_today(now, timezone)
        overdue_by_site.append(and_(Site.id == site_id, Visit.latest_date < today))
        week_by_site.append(
            and_(
                Site.id == site_id,
                Visit.latest_date >= today,
                Visit.earliest_date <= today + timedelta(days=6),
            )
        )
    overdue = or_(false(), *overdue_by_site)
    wanted = {"week": or_(false(), *week_by_site), "overdue": overdue}
    condition = wanted[when] if when else or_(*wanted.values())
    rows = session.execute(
        _scoped(
            select(
                _LABEL,
                Site.code,
                Visit.visit_code,
                Visit.target_date,
                Visit.earliest_date,
                Visit.latest_date,
                overdue,
            ),
            codes,
        )
        .join(Visit, Visit.participant_id == Participant.id)
        .where(
            Participant.status.in_(VISITING),
            Visit.actual_date.is_(None),
            Visit.latest_date.is_not(None),
            condition,
        )
        .order_by(Visit.target_date, _LABEL)
    )
    return [
        DueVisit(pid, site, visit, target, earliest, latest, bool(late))
        for pid, site, visit, target, earliest, latest, late in rows
    ]


def list_adverse_events(
    session: Session,
    *,
    actor: Actor,
    now: datetime,
    serious: bool | None = None,
    overdue: bool = False,
    pid: str | None = None,
) -> list[AdverseEventRow]:
    """Adverse events of the actor's sites, most recent onset first.

    Args:
        serious: only serious (True) or non-serious (False) events; None for all.
        overdue: only SAEs whose expedited report is overdue.
        pid: only this participant (participant code or screening number).
    """
    codes = visible_site_codes(actor)
    timezones = dict(session.execute(select(Site.code, Site.timezone)).all())
    query = (
        _scoped(
            select(
                FormEntry.id,
                _LABEL,
                Site.code,
                FormEntry.visit_code,
                FormEntry.repeat_index,
                FormEntry.data,
                FormEntry.scores,
                FormEntry.status,
                FormEntry.locked,
            ),
            codes,
        )
        .join(FormEntry, FormEntry.participant_id == Participant.id)
        .where(FormEntry.form_code == _AE_FORM)
    )
    if pid:
        query = query.where(_is_participant(pid))
    result = []
    for entry_id, label, site, visit, repeat, data, scores, status, locked in session.execute(
        query
    ):
        today = compute_site_today(now, timezones[site])
        shown = "locked" if locked else status
        row = _adverse_event(entry_id, label, site, visit, repeat, data, scores, shown, today)
        if serious is not None and row.serious != serious:
            continue
        if overdue and not row.overdue:
            continue
        result.append(row)
    result.sort(key=lambda r: (r.onset_date or "", r.pid, r.repeat), reverse=True)
    return result


def list_unsigned_entries(
    session: Session, *, actor: Actor, pid: str | None = None
) -> list[UnsignedEntry]:
    """Complete or verified forms of the actor's sites not yet signed, by participant."""
    codes = visible_site_codes(actor)
    query = _unsigned(
        select(
            FormEntry.id,
            _LABEL,
            Site.code,
            Site.timezone,
            FormEntry.visit_code,
            FormEntry.form_code,
            FormEntry.repeat_index,
            FormEntry.status,
            FormEntry.updated_at,
            FormEntry.updated_by,
        ),
        codes,
    ).order_by(Participant.screening_number, FormEntry.id)
    if pid:
        query = query.where(_is_participant(pid))
    return [
        UnsignedEntry(entry_id, label, site, zone, visit, form, repeat, status, at, by)
        for entry_id, label, site, zone, visit, form, repeat, status, at, by in session.execute(
            query
        )
    ]


def list_queries(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    site: str | None = None,
    pid: str | None = None,
    visit: str | None = None,
    form: str | None = None,
    item: str | None = None,
) -> list[QueryRow]:
    """Queries of the actor's sites, newest first, narrowed by every filter given.

    Raises:
        FieldError: ``status`` is not one of :data:`QUERY_STATUSES`.
    """
    if status is not None and status not in QUERY_STATUSES:
        raise FieldError(
            "status", f"unknown status {status!r}; expected one of: {', '.join(QUERY_STATUSES)}"
        )
    codes = visible_site_codes(actor)
    query = (
        _scoped(select(Query, _LABEL, Site.code, Site.timezone), codes)
        .join(Query, Query.participant_id == Participant.id)
        .order_by(Query.id.desc())
    )
    if status:
        query = query.where(Query.status == status)
    if site:
        query = query.where(Site.code == site)
    if pid:
        query = query.where(_is_participant(pid))
    rows = session.execute(query).all()
    entry_ids = {q.entry_id for q, *_ in rows if q.entry_id is not None}
    places = {
        entry_id: (visit_code, form_code, repeat)
        for entry_id, visit_code, form_code, repeat in session.execute(
            select(
                FormEntry.id, FormEntry.visit_code, FormEntry.form_code, FormEntry.repeat_index
            ).where(FormEntry.id.in_(entry_ids))
        )
    }
    result = []
    for row, label, site_code, timezone in rows:
        at_visit, at_form, repeat = places.get(row.entry_id or 0, (None, None, None))
        at_item = row.item
        if at_visit is None and at_item and "." in at_item and at_item.split(".")[0].isupper():
            # A query on a visit date names its item "W2.actual_date" (capture.visits).
            at_visit, at_item = at_item.split(".", 1)
        if visit and at_visit != visit:
            continue
        if form and at_form != form:
            continue
        if item and at_item != item and row.item != item:
            continue
        result.append(
            QueryRow(
                id=row.id,
                pid=label,
                site=site_code,
                site_timezone=timezone,
                visit=at_visit,
                form=at_form,
                repeat=repeat,
                item=at_item,
                check_id=row.check_id,
                message=row.message,
                status=row.status,
                opened_by=row.opened_by,
                opened_at=row.opened_at,
                answer=row.answer,
                answered_by=row.answered_by,
                answered_at=row.answered_at,
                closed_by=row.closed_by,
                closed_at=row.closed_at,
                close_note=row.close_note,
            )
        )
    return result


def _scoped(query: Select[*_Ts], codes: frozenset[str] | None) -> Select[*_Ts]:
    """``query`` over participants joined to their site, limited to the visible sites."""
    query = query.select_from(Participant).join(Site, Site.id == Participant.site_id)
    if codes is not None:
        query = query.where(Site.code.in_(sorted(codes)))
    return query


def _is_participant(pid: str) -> ColumnElement[bool]:
    return or_(Participant.participant_code == pid, Participant.screening_number == pid)


def _unsigned(query: Select[*_Ts], codes: frozenset[str] | None) -> Select[*_Ts]:
    return (
        _scoped(query, codes)
        .join(FormEntry, FormEntry.participant_id == Participant.id)
        .where(FormEntry.status.in_(AWAITING_SIGNATURE), FormEntry.locked.is_(False))
    )


def _sites(session: Session, codes: frozenset[str] | None) -> Sequence[tuple[int, str]]:
    query = select(Site.id, Site.timezone)
    if codes is not None:
        query = query.where(Site.code.in_(sorted(codes)))
    return session.execute(query).all()


def _adverse_event(
    entry_id: int,
    pid: str,
    site: str,
    visit: str,
    repeat: int,
    data: str,
    scores: str,
    status: str,
    today: date,
) -> AdverseEventRow:
    values = loads_exact(data)
    report = loads_exact(scores).get("expedited_report") or {}
    deadline = date.fromisoformat(report["deadline"]) if report.get("deadline") else None
    serious = values.get("serious") is True
    reported = status in _REPORTED
    grade = values.get("grade")
    return AdverseEventRow(
        entry_id=entry_id,
        pid=pid,
        site=site,
        visit=visit,
        repeat=repeat,
        ctcae_term=values.get("ctcae_term"),
        verbatim=values.get("verbatim"),
        grade=int(grade) if grade is not None else None,
        serious=serious,
        seriousness=values.get("seriousness"),
        relatedness=values.get("relatedness"),
        onset_date=values.get("onset_date"),
        deadline=deadline if serious else None,
        reported=reported,
        overdue=serious and deadline is not None and not reported and deadline < today,
        status=status,
    )
