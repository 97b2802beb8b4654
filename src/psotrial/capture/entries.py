"""Save a form: validate, score, edit-check, audit, in one transaction.

``save_entry`` is the one path by which a form's data reaches the database, from the web,
the CLI and the importer alike. It refuses (and writes nothing) when the data does not
validate against the protocol's form, when the save was based on a stale version, when the
form is locked, or when a change to complete data gives no reason.

Form status: draft -> complete -> verified -> signed -> locked. Changing data that is
complete or later needs a reason, returns the form to complete, and invalidates (visibly)
any signature over it.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cached_property
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, SessionTransaction, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from psotrial.audit import ABSENT, STATUS_ITEM, Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.participants import check_writable
from psotrial.capture.progress import advance_status
from psotrial.capture.queries import open_finding_queries
from psotrial.capture.scoring import ScoringContext, score_form
from psotrial.capture.signatures import invalidate_signatures
from psotrial.db.models import FormEntry, Participant, Visit
from psotrial.errors import ConflictError, FieldError, FieldErrors, LockedError, StateError
from psotrial.jsoncodec import dumps_canonical, loads_exact
from psotrial.protocol import FormSpec, Protocol
from psotrial.protocol.answers import read_form

__all__ = ["STATUSES", "SavedEntry", "entry_values", "find_entry", "save_entry"]

STATUSES = ("draft", "complete", "verified", "signed", "locked")
_FINAL = frozenset({"complete", "verified", "signed", "locked"})
# The forms whose data can imply a lifecycle step (capture.progress reads only these; visit
# dates, the other trigger, are recorded by capture.visits, which advances the status
# itself). Other saves skip its three queries.
_STATUS_FORMS = frozenset({"infusion", "end_of_study"})
# The participants whose row lock a transaction or savepoint holds (see _lock_participant).
_LOCKED: weakref.WeakKeyDictionary[SessionTransaction, set[int]] = weakref.WeakKeyDictionary()
# Scoring reads the latest weight only for the dose of an infusion (capture.scoring).
_WEIGHT_FORMS = frozenset({"infusion"})
# Values that JSON gives back as they went in (a float comes back as a Decimal).
_JSON_SAME = frozenset({str, int, bool, type(None)})
# Statements every save runs, built once (building one costs more CPU than running it).
_FIND_ENTRY = (
    select(FormEntry)
    .where(
        FormEntry.participant_id == bindparam("participant_id"),
        FormEntry.visit_code == bindparam("visit"),
        FormEntry.form_code == bindparam("form"),
        FormEntry.repeat_index == bindparam("repeat"),
    )
    .execution_options(populate_existing=True)
)
_ENTRY_ID = select(FormEntry.id).where(
    FormEntry.participant_id == bindparam("participant_id"),
    FormEntry.visit_code == bindparam("visit"),
    FormEntry.form_code == bindparam("form"),
    FormEntry.repeat_index == bindparam("repeat"),
)
_INSERT_ENTRY = insert(cast(Table, FormEntry.__table__))
_UPDATE_ENTRY = (
    update(cast(Table, FormEntry.__table__))
    .where(FormEntry.__table__.c.id == bindparam("entry_id"))
    .values(
        {
            name: bindparam(name)
            for name in ("data", "scores", "status", "version", "updated_at", "updated_by")
        }
    )
)
_VISIT_DATE = select(Visit.actual_date).where(
    Visit.participant_id == bindparam("participant_id"), Visit.visit_code == bindparam("visit")
)
_WEIGHTS = (
    select(FormEntry.visit_code, FormEntry.data, Visit.actual_date)
    .join(
        Visit,
        (Visit.participant_id == FormEntry.participant_id)
        & (Visit.visit_code == FormEntry.visit_code),
        isouter=True,
    )
    .where(
        FormEntry.participant_id == bindparam("participant_id"),
        FormEntry.form_code == "vital_signs",
    )
)
_LOCK_PARTICIPANT = (
    select(Participant.id).where(Participant.id == bindparam("participant_id")).with_for_update()
)


@dataclass(frozen=True)
class SavedEntry:
    """What a save produced: the entry, its scores, and the queries it opened."""

    scores: dict[str, Any]
    queries: tuple[int, ...]
    changed: tuple[str, ...]
    _entry: Callable[[], FormEntry] = field(repr=False)

    @cached_property
    def entry(self) -> FormEntry:
        """The saved entry, persistent in the session.

        A new entry's object is made when first asked for: an import, which never asks,
        saved a third of a form's CPU on building ORM objects nobody read.
        """
        return self._entry()


def find_entry(
    session: Session, participant: Participant, visit: str, form: str, repeat: int = 0
) -> FormEntry | None:
    """The stored entry of ``form`` at ``visit``, or None."""
    return session.scalars(_FIND_ENTRY, _entry_key(participant, visit, form, repeat)).first()


def _entry_key(participant: Participant, visit: str, form: str, repeat: int) -> dict[str, Any]:
    return {"participant_id": participant.id, "visit": visit, "form": form, "repeat": repeat}


def entry_values(entry: FormEntry) -> dict[str, Any]:
    """An entry's stored answers, keyed by item name."""
    values: dict[str, Any] = loads_exact(entry.data)
    return values


def save_entry(
    session: Session,
    *,
    protocol: Protocol,
    actor: Actor,
    participant: Participant,
    visit: str,
    form: str,
    data: Mapping[str, Any],
    base_version: int,
    status: str = "complete",
    reason: str | None = None,
    repeat: int = 0,
    now: datetime | None = None,
) -> SavedEntry:
    """Validate, score, edit-check and store one form, with its audit events.

    Args:
        base_version: the version the user's edit started from (0 for a new entry).
        status: ``draft`` (missing items allowed) or ``complete``.
        reason: required when changing data that is complete or later.
        repeat: the entry number of a repeating form (adverse events: 1, 2, ...).

    Raises:
        FieldError / FieldErrors: the data does not validate (every bad item is named).
        ConflictError: ``base_version`` is not the stored version.
        LockedError: the form, participant or database is locked.
        StateError: the form is not collected at this visit, or the participant's status
            does not allow it.
    """
    require(actor, "enter_data", participant.site.code)
    check_writable(session, participant)
    spec = _form_at_visit(protocol, participant, visit, form, repeat)
    if status not in ("draft", "complete"):
        raise FieldError("status", f"a save sets draft or complete, not {status!r}")
    now = now or datetime.now(UTC)

    _lock_participant(session, participant.id)
    # Changes pending in the session go first, as when every lookup here was an ORM query
    # (which flushes them): this save's own statements are plain ones.
    session.flush()
    entry = _find_for_save(session, participant, visit, form, repeat, base_version)
    current_version = entry.version if entry else 0
    if base_version != current_version:
        who = f" by {entry.updated_by} at {entry.updated_at:%Y-%m-%d %H:%M} UTC" if entry else ""
        raise ConflictError(
            f"{form} at {visit} is at version {current_version}{who}; your change was based on "
            f"version {base_version}. Reload the form and apply your change again."
        )
    if entry is not None and (entry.locked or entry.status == "locked"):
        raise LockedError(f"{form} at {visit} is locked; a data manager can unlock it")

    values = read_form(spec, data)
    if status == "complete":
        _require_complete(spec, values)
    stored = _stored(values)
    old = entry_values(entry) if entry else {}
    changed = tuple(
        sorted(k for k in set(old) | set(stored) if old.get(k, ABSENT) != stored.get(k, ABSENT))
    )
    if entry is not None and entry.status in _FINAL and changed and not (reason and reason.strip()):
        raise FieldError(
            "reason", f"{form} at {visit} is {entry.status}: give a reason for the change"
        )

    # ICH E2A clocks start when the site first knew: the entry's first save, not each edit.
    recorded_on = (entry.created_at if entry is not None else now).date()
    context = _context(session, protocol, participant, visit, recorded_on, spec)
    scores, findings = score_form(spec, values, context)
    scores_json = dumps_canonical(scores)

    if entry is None:
        created = _NewEntry(
            session,
            participant_id=participant.id,
            visit_code=visit,
            form_code=form,
            repeat_index=repeat,
            data=dumps_canonical(stored),
            scores=scores_json,
            status=status,
            version=1,
            locked=False,
            created_at=now,
            created_by=actor.username,
            updated_at=now,
            updated_by=actor.username,
        )
        entry_id = str(created.id)
        changes = [
            Change("create", "form_entry", entry_id, participant.id, name, new=stored[name])
            for name in sorted(stored)
        ]
        changes.append(
            Change("create", "form_entry", entry_id, participant.id, STATUS_ITEM, new=status)
        )
        built: Callable[[], FormEntry] = created
    else:
        old_status = entry.status
        # Re-saving unchanged data keeps its verification and signature.
        new_status = status if changed or old_status not in _FINAL else old_status
        changes = [
            Change(
                "update",
                "form_entry",
                str(entry.id),
                participant.id,
                name,
                old=old.get(name, ABSENT),
                new=stored.get(name, ABSENT),
                reason=reason,
            )
            for name in changed
        ]
        if new_status != old_status:
            changes.append(
                Change(
                    "status",
                    "form_entry",
                    str(entry.id),
                    participant.id,
                    STATUS_ITEM,
                    old=old_status,
                    new=new_status,
                    reason=reason,
                )
            )
        _update_entry(
            session,
            entry,
            data=dumps_canonical(stored),
            scores=scores_json,
            status=new_status,
            version=entry.version + 1,
            updated_at=now,
            updated_by=actor.username,
        )
        built = _Loaded(entry)
        if changed:
            invalidated: list[Change] = []
            invalidate_signatures(
                session,
                actor=actor,
                participant=participant,
                entry=entry,
                reason=f"signed data changed: {', '.join(changed)}",
                now=now,
                audit=invalidated,
            )
            changes = invalidated + changes
    # The save's events (invalidated signatures, the entry's items, opened queries, in
    # that order) are appended in one go: each append is an INSERT and an UPDATE of the
    # audit head, and the chain holds the same events whether appended once or thrice.
    queries = (
        open_finding_queries(
            session,
            actor=actor,
            participant=participant,
            entry=built(),
            findings=findings,
            now=now,
            audit=changes,
        )
        if findings
        else []
    )
    append_events(session, actor=actor.username, at=now, changes=changes)
    if form in _STATUS_FORMS:
        advance_status(session, protocol=protocol, actor=actor, participant=participant, now=now)
    return SavedEntry(loads_exact(scores_json), tuple(queries), changed, built)


class _NewEntry:
    """A new entry's row, inserted at once as one statement; called, the entry object.

    An ORM add-and-flush cost a third of an imported form's save (the unit of work's
    bookkeeping for one row), and building the object another sixth. The row is the same;
    the object, made only when asked for, is attached to the session as if loaded.
    """

    def __init__(self, session: Session, **row: Any) -> None:
        key = session.connection().execute(_INSERT_ENTRY, row).inserted_primary_key
        assert key is not None  # a single-row INSERT always has its key
        self.id: int = key[0]
        self._session, self._row = session, row
        self._entry: FormEntry | None = None

    def __call__(self) -> FormEntry:
        if self._entry is None:
            self._entry = FormEntry(id=self.id, **self._row)
            make_transient_to_detached(self._entry)
            self._session.add(self._entry)
        return self._entry


@dataclass(frozen=True)
class _Loaded:
    """An entry already loaded; called, the entry."""

    entry: FormEntry

    def __call__(self) -> FormEntry:
        return self.entry


def _update_entry(session: Session, entry: FormEntry, **values: Any) -> None:
    """Write an entry's new values as one UPDATE and set them on it as stored.

    The same UPDATE the unit of work would emit at its next flush, without its bookkeeping
    (a tenth of a web save's CPU); the entry then reads as freshly loaded.
    """
    session.connection().execute(_UPDATE_ENTRY, {"entry_id": entry.id, **values})
    for name, value in values.items():
        set_committed_value(entry, name, value)


def _find_for_save(
    session: Session,
    participant: Participant,
    visit: str,
    form: str,
    repeat: int,
    base_version: int,
) -> FormEntry | None:
    """The entry a save changes, or None.

    A first save (base version 0, and every form of an import) asks in a bare SELECT of the
    id whether there is one: it rarely is, and loading through the ORM costs three times as
    much. An edit, which expects one, loads it at once (one round trip, not two). Entries
    are inserted at once (never left pending in the session), and the columns that
    identify one never change, so the bare SELECT sees what the ORM would.
    """
    key = _entry_key(participant, visit, form, repeat)
    if base_version == 0 and session.connection().execute(_ENTRY_ID, key).first() is None:
        return None
    return session.scalars(_FIND_ENTRY, key).first()


def _lock_participant(session: Session, participant_id: int) -> None:
    """Take the participant's row lock, once per transaction (or savepoint).

    Saves for one participant queue on its row lock, so each sees the version the one
    before it committed: a stale base version is then a conflict, never a lost update. A
    transaction that saves many forms of one participant (an import line) locks it once.
    A savepoint keeps its own record: rolling it back releases the locks taken in it.
    """
    current = session.get_nested_transaction() or session.get_transaction()
    held = _LOCKED.get(current) if current is not None else None
    if held is not None and participant_id in held:
        return
    session.execute(_LOCK_PARTICIPANT, {"participant_id": participant_id})
    if current is not None:
        _LOCKED.setdefault(current, set()).add(participant_id)


def _stored(values: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as they are stored: JSON values (dates as ISO text, decimals exact).

    Text, integers, booleans and None come back from the JSON round trip unchanged, so
    they skip it; everything else (decimals, dates, nested answers) takes it.
    """
    return {
        name: value if type(value) in _JSON_SAME else loads_exact(dumps_canonical(value))
        for name, value in values.items()
    }


def _require_complete(spec: FormSpec, values: Mapping[str, Any]) -> None:
    if spec.instrument == "labs":
        return  # a panel is complete with the tests that were done
    missing = [
        FieldError(f"{spec.code}.{item.name}", "required; save as draft to finish later")
        for item in spec.items
        if item.required and item.name not in values
    ]
    if len(missing) == 1:
        raise missing[0]
    if missing:
        raise FieldErrors(missing)


def _form_at_visit(
    protocol: Protocol, participant: Participant, visit: str, form: str, repeat: int
) -> FormSpec:
    planned = protocol.visit(visit)
    spec = protocol.form(form)
    after_enrolment = visit != protocol.visits[0].code
    if form not in planned.forms and not (spec.any_visit and after_enrolment):
        raise StateError(
            f"{form} is not collected at {visit}; {visit} collects: {', '.join(planned.forms)}"
        )
    if spec.repeating != (repeat > 0):
        raise FieldError(
            "repeat",
            f"{form} is {'a' if spec.repeating else 'not a'} repeating "
            f"form: give {'a number from 1' if spec.repeating else '0'}",
        )
    if visit != protocol.visits[0].code and participant.participant_code is None:
        raise StateError(
            f"{participant.screening_number} is not enrolled ({participant.status}): "
            f"only screening forms can be entered"
        )
    return spec


def _context(
    session: Session,
    protocol: Protocol,
    participant: Participant,
    visit: str,
    recorded_on: date,
    spec: FormSpec,
) -> ScoringContext:
    weight = None
    if (spec.instrument or spec.code) in _WEIGHT_FORMS:
        visit_date = session.scalar(_VISIT_DATE, {"participant_id": participant.id, "visit": visit})
        weight = _latest_weight(session, protocol, participant, visit_date)
    return ScoringContext(
        protocol=protocol,
        screening_date=participant.screening_date,
        recorded_on=recorded_on,
        latest_weight=weight,
        cells_per_kg=protocol.arm().dosing.cells_per_kg,
    )


def _latest_weight(
    session: Session, protocol: Protocol, participant: Participant, on: date | None
) -> Decimal | None:
    """The most recent weight on or before ``on`` (architecture.md: dose weight)."""
    order = {v.code: i for i, v in enumerate(protocol.visits)}
    rows = session.execute(_WEIGHTS, {"participant_id": participant.id}).all()
    dated = []
    for code, data, actual in rows:
        when = actual or (participant.screening_date if code == protocol.visits[0].code else None)
        weight = loads_exact(data).get("weight_kg")
        if weight is None or (on is not None and when is not None and when > on):
            continue
        dated.append((when or date.min, order.get(code, 0), Decimal(weight)))
    return max(dated)[2] if dated else None
