"""Read models of the casebook: a participant's visits and forms, and the participant list.

These are the shapes the pages and the JSON API show; they are read in a fixed, small
number of set-based queries (never one query per visit or form), and they apply the
visibility rule of capture.access (another site's participant is *not found*).

A form's status is ``missing`` until its first save, then the stored status:
draft -> complete -> verified -> signed -> locked (capture.entries). "Open queries" counts
the queries not yet closed (open or answered), because an answered query still waits for
the monitor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from psotrial.capture.access import find_participant, visible_site_codes
from psotrial.capture.actors import Actor
from psotrial.capture.entries import STATUSES
from psotrial.capture.participants import TRANSITIONS
from psotrial.db.models import FormEntry, Participant, Query, Site, Visit
from psotrial.errors import FieldError
from psotrial.protocol import Protocol

__all__ = [
    "MISSING",
    "EntrySummary",
    "FormOverview",
    "ParticipantOverview",
    "ParticipantRow",
    "VisitOverview",
    "list_participants",
    "participant_overview",
]

MISSING = "missing"


@dataclass(frozen=True)
class EntrySummary:
    """One stored entry of a form (one repeat of a repeating form)."""

    repeat: int
    entry_id: int
    status: str
    version: int
    open_queries: int
    queried_items: tuple[str, ...]


@dataclass(frozen=True)
class FormOverview:
    """A form at a visit.

    For a single form, ``status``, ``version`` and ``entry_id`` are its entry's (``missing``,
    0 and None before the first save) and ``repeats`` is empty. For a repeating form
    (adverse events, concomitant medications) ``repeats`` lists every entry by its repeat
    number (1, 2, ...); ``status`` is the least advanced of them (``missing`` when there are
    none), ``version`` is 0 and ``entry_id`` None.
    """

    code: str
    name: str
    instrument: str | None
    repeating: bool
    status: str
    version: int
    entry_id: int | None
    open_queries: int
    queried_items: tuple[str, ...]
    repeats: tuple[EntrySummary, ...] = ()


@dataclass(frozen=True)
class VisitOverview:
    """A visit of the protocol for one participant: its calendar and its forms.

    Dates are None until the calendar exists (planned at enrolment from the first
    infusion); ``window_status`` is ``in_window``, ``early`` or ``late`` once the visit has
    an actual date (None for screening and before).
    """

    code: str
    name: str
    epoch: str
    week: int | None
    target_date: date | None
    earliest_date: date | None
    latest_date: date | None
    actual_date: date | None
    window_status: str | None
    forms: tuple[FormOverview, ...]


@dataclass(frozen=True)
class ParticipantOverview:
    """A participant's casebook at a glance.

    ``pid`` is how the participant is addressed: the participant code once enrolled, the
    screening number before. ``queried_items`` are the items of unclosed queries raised on
    the participant rather than on a form (e.g. ``W2.actual_date`` from the window check).
    """

    id: int
    pid: str
    participant_code: str | None
    screening_number: str
    site: str
    site_timezone: str
    status: str
    status_date: date
    status_reason: str | None
    screening_date: date
    planned_first_infusion: date | None
    first_infusion: date | None
    locked: bool
    version: int
    open_queries: int
    queried_items: tuple[str, ...]
    visits: tuple[VisitOverview, ...]

    def visit(self, code: str) -> VisitOverview:
        """The visit with ``code`` (KeyError when the protocol has none)."""
        for visit in self.visits:
            if visit.code == code:
                return visit
        raise KeyError(code)


@dataclass(frozen=True)
class ParticipantRow:
    """One line of the participant list.

    ``next_visit`` is the earliest planned visit without an actual date (None before the
    calendar exists or when every visit took place).
    """

    id: int
    pid: str
    participant_code: str | None
    screening_number: str
    site: str
    status: str
    status_date: date
    screening_date: date
    first_infusion: date | None
    locked: bool
    open_queries: int
    next_visit: str | None
    next_visit_target: date | None


def participant_overview(
    session: Session, actor: Actor, pid: str, protocol: Protocol
) -> ParticipantOverview:
    """The casebook overview of participant ``pid``, visits in protocol order.

    Three reads after the participant: its visits, its entries (without their data) and its
    unclosed queries.

    Raises:
        NotFoundError: no such participant, or one at a site ``actor`` cannot see.
    """
    participant = find_participant(session, actor, pid)
    visits = {
        row.visit_code: row
        for row in session.scalars(select(Visit).where(Visit.participant_id == participant.id))
    }
    entries = session.execute(
        select(
            FormEntry.id,
            FormEntry.visit_code,
            FormEntry.form_code,
            FormEntry.repeat_index,
            FormEntry.status,
            FormEntry.version,
            FormEntry.locked,
        ).where(FormEntry.participant_id == participant.id)
    ).all()
    queries = session.execute(
        select(Query.entry_id, Query.item).where(
            Query.participant_id == participant.id, Query.status != "closed"
        )
    ).all()
    counts: dict[int | None, int] = defaultdict(int)
    items: dict[int | None, set[str]] = defaultdict(set)
    for entry_id, item in queries:
        counts[entry_id] += 1
        if item:
            items[entry_id].add(item)

    by_form: dict[tuple[str, str], list[EntrySummary]] = defaultdict(list)
    for entry_id, visit_code, form_code, repeat, status, version, locked in entries:
        by_form[(visit_code, form_code)].append(
            EntrySummary(
                repeat=repeat,
                entry_id=entry_id,
                status="locked" if locked else status,
                version=version,
                open_queries=counts.get(entry_id, 0),
                queried_items=tuple(sorted(items.get(entry_id, ()))),
            )
        )

    form_order = {form.code: i for i, form in enumerate(protocol.forms)}
    visit_overviews = []
    for planned in protocol.visits:
        # Forms collected at any visit (an end-of-study form) show where they were entered.
        extra = sorted(
            {f for (v, f) in by_form if v == planned.code and f not in planned.forms},
            key=lambda code: form_order.get(code, len(form_order)),
        )
        forms = tuple(
            _form_overview(protocol, code, by_form.get((planned.code, code), []))
            for code in (*planned.forms, *extra)
        )
        row = visits.get(planned.code)
        visit_overviews.append(
            VisitOverview(
                code=planned.code,
                name=planned.name,
                epoch=planned.epoch,
                week=planned.week,
                target_date=row.target_date if row else None,
                earliest_date=row.earliest_date if row else None,
                latest_date=row.latest_date if row else None,
                actual_date=row.actual_date if row else None,
                window_status=row.window_status if row else None,
                forms=forms,
            )
        )
    return ParticipantOverview(
        id=participant.id,
        pid=participant.participant_code or participant.screening_number,
        participant_code=participant.participant_code,
        screening_number=participant.screening_number,
        site=participant.site.code,
        site_timezone=participant.site.timezone,
        status=participant.status,
        status_date=participant.status_date,
        status_reason=participant.status_reason,
        screening_date=participant.screening_date,
        planned_first_infusion=participant.planned_first_infusion,
        first_infusion=participant.first_infusion,
        locked=participant.locked,
        version=participant.version,
        open_queries=sum(counts.values()),
        queried_items=tuple(sorted(items.get(None, ()))),
        visits=tuple(visit_overviews),
    )


def _form_overview(protocol: Protocol, code: str, found: list[EntrySummary]) -> FormOverview:
    spec = protocol.form(code)
    found = sorted(found, key=lambda e: e.repeat)
    if spec.repeating:
        status = min((e.status for e in found), key=STATUSES.index, default=MISSING)
        return FormOverview(
            code=code,
            name=spec.name,
            instrument=spec.instrument,
            repeating=True,
            status=status,
            version=0,
            entry_id=None,
            open_queries=sum(e.open_queries for e in found),
            queried_items=tuple(sorted({i for e in found for i in e.queried_items})),
            repeats=tuple(found),
        )
    entry = found[0] if found else None
    return FormOverview(
        code=code,
        name=spec.name,
        instrument=spec.instrument,
        repeating=False,
        status=entry.status if entry else MISSING,
        version=entry.version if entry else 0,
        entry_id=entry.entry_id if entry else None,
        open_queries=entry.open_queries if entry else 0,
        queried_items=entry.queried_items if entry else (),
    )


def list_participants(
    session: Session,
    actor: Actor,
    *,
    site: str | None = None,
    status: str | None = None,
    search: str | None = None,
) -> list[ParticipantRow]:
    """The participants ``actor`` may see, by site and screening number.

    Args:
        site: only this site (a site the actor cannot see gives an empty list).
        status: only this lifecycle status (capture.participants.TRANSITIONS).
        search: a case-insensitive part of the participant code or screening number.

    Raises:
        FieldError: ``status`` is not a lifecycle status (the message lists them).
    """
    if status is not None and status not in TRANSITIONS:
        raise FieldError(
            "status", f"unknown status {status!r}; expected one of: {', '.join(TRANSITIONS)}"
        )
    ids = _filtered_ids(actor, site=site, status=status, search=search)
    rows = session.execute(
        select(Participant, Site.code)
        .join(Site, Site.id == Participant.site_id)
        .where(Participant.id.in_(ids))
        .order_by(Site.code, Participant.screening_number)
    ).all()
    open_counts: dict[int, int] = dict(
        session.execute(
            select(Query.participant_id, func.count())
            .where(Query.participant_id.in_(ids), Query.status != "closed")
            .group_by(Query.participant_id)
        ).all()
    )
    upcoming: dict[int, tuple[str, date]] = {}
    for participant_id, code, target in session.execute(
        select(Visit.participant_id, Visit.visit_code, Visit.target_date)
        .where(
            Visit.participant_id.in_(ids),
            Visit.actual_date.is_(None),
            Visit.target_date.is_not(None),
        )
        .order_by(Visit.participant_id, Visit.target_date)
    ):
        if target is not None:
            upcoming.setdefault(participant_id, (code, target))
    result = []
    for participant, site_code in rows:
        following = upcoming.get(participant.id)
        result.append(
            ParticipantRow(
                id=participant.id,
                pid=participant.participant_code or participant.screening_number,
                participant_code=participant.participant_code,
                screening_number=participant.screening_number,
                site=site_code,
                status=participant.status,
                status_date=participant.status_date,
                screening_date=participant.screening_date,
                first_infusion=participant.first_infusion,
                locked=participant.locked,
                open_queries=open_counts.get(participant.id, 0),
                next_visit=following[0] if following else None,
                next_visit_target=following[1] if following else None,
            )
        )
    return result


def _filtered_ids(
    actor: Actor, *, site: str | None, status: str | None, search: str | None
) -> Select[int]:
    query = select(Participant.id).join(Site, Site.id == Participant.site_id)
    visible = visible_site_codes(actor)
    if visible is not None:
        query = query.where(Site.code.in_(sorted(visible)))
    if site is not None:
        query = query.where(Site.code == site)
    if status is not None:
        query = query.where(Participant.status == status)
    if search:
        needle = search.strip().upper()
        query = query.where(
            or_(
                func.upper(Participant.screening_number).contains(needle, autoescape=True),
                func.upper(Participant.participant_code).contains(needle, autoescape=True),
            )
        )
    return query
