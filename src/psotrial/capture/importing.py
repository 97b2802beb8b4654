"""Import casebooks (JSON Lines, one participant per line) through the capture services.

Imported data is validated, scored, edit-checked and audited exactly like typed data. Each
line stands alone (a savepoint in a transaction that commits a group of lines): a bad line
is reported with its number and reason and nothing of that participant is written; the
other lines go in.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from psotrial.audit import batched_events
from psotrial.capture.actors import Actor
from psotrial.capture.enrolment import CONFIRMATION_FORM, enrol, evaluate_screening
from psotrial.capture.entries import save_entry
from psotrial.capture.participants import ACTIVE, register_candidate, transition
from psotrial.capture.visits import record_visit
from psotrial.casebook import Casebook
from psotrial.db.engine import transaction
from psotrial.db.models import Participant
from psotrial.errors import PsotrialError
from psotrial.jsoncodec import loads_exact
from psotrial.protocol import Protocol

__all__ = [
    "GROUP_LINES",
    "GROUP_SECONDS",
    "MAX_LINE_BYTES",
    "OversizedLine",
    "import_casebook",
    "import_lines",
    "read_lines",
]

GROUP_LINES = 50
"""The most lines one import transaction commits."""
GROUP_SECONDS = 0.5
"""How long an import transaction takes more lines (it holds SQLite's write lock)."""

MAX_LINE_BYTES = 10 * 1024 * 1024
"""The longest line accepted (a participant's whole casebook is some tens of kilobytes)."""

_CHUNK = 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True)
class OversizedLine:
    """A line longer than the limit, skipped unread: only its size is kept."""

    size: int


def read_lines(
    stream: BinaryIO, *, max_bytes: int | None = None
) -> Iterator[bytes | OversizedLine]:
    """The lines of a binary stream, holding at most ``max_bytes`` of one line in memory.

    A longer line is read past in chunks and yielded as :class:`OversizedLine` (so a 100 MB
    line costs 1 MB of memory, not 100 MB), keeping the line numbers of the lines after it.
    A UTF-8 byte-order mark at the start (Windows editors write one) is dropped.
    ``max_bytes`` defaults to :data:`MAX_LINE_BYTES`.
    """
    max_bytes = MAX_LINE_BYTES if max_bytes is None else max_bytes
    first = True
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        if first and line.startswith(_UTF8_BOM):
            line = line[len(_UTF8_BOM) :]
        first = False
        if len(line) <= max_bytes or (len(line) == max_bytes + 1 and line.endswith(b"\n")):
            yield line
            continue
        size = len(line)
        del line
        while True:
            chunk = stream.readline(_CHUNK)
            size += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                break
        yield OversizedLine(size - 1 if chunk.endswith(b"\n") else size)


def import_casebook(
    session: Session,
    *,
    protocol: Protocol,
    actor: Actor,
    casebook: Casebook,
    now: datetime,
    investigator: Actor | None = None,
) -> Participant:
    """Write one casebook through the services, in the caller's transaction.

    ``investigator`` enrols (the confirming investigator); by default ``actor`` does.
    """
    screening = casebook.screening
    participant = register_candidate(
        session,
        actor=actor,
        site=casebook.site,
        screening_date=screening.date,
        planned_first_infusion=screening.planned_first_infusion,
        now=now,
    )
    record_visit(
        session,
        protocol=protocol,
        actor=actor,
        participant=participant,
        visit=protocol.visits[0].code,
        on=screening.date,
        now=now,
    )
    forms = dict(screening.forms)
    if screening.confirmations:
        confirmation = dict(forms.get(CONFIRMATION_FORM, {}))
        for criterion, value in screening.confirmations.items():
            confirmation.setdefault(criterion.lower(), value)
        forms[CONFIRMATION_FORM] = confirmation
    for form, data in forms.items():
        save_entry(
            session,
            protocol=protocol,
            actor=actor,
            participant=participant,
            visit=protocol.visits[0].code,
            form=form,
            data=data,
            base_version=0,
            now=now,
        )
    if casebook.enrolment is None:
        result = evaluate_screening(
            session, protocol=protocol, actor=actor, participant=participant, now=now
        )
        failing = [c.id for c in result.criteria if c.status == "not_met"]
        if failing:
            transition(
                session,
                actor=actor,
                participant=participant,
                to="screen_failed",
                on=screening.date,
                reason="not met: " + ", ".join(failing),
                now=now,
            )
        return participant
    enrol(
        session,
        protocol=protocol,
        actor=investigator or actor,
        participant=participant,
        first_infusion=casebook.enrolment.first_infusion,
        on=screening.date,
        now=now,
    )
    logs_by_visit: dict[str, list[Any]] = {}
    for log in casebook.logs:
        logs_by_visit.setdefault(log.visit, []).append(log)
    repeats: dict[str, int] = {}
    for visit in casebook.visits:
        record_visit(
            session,
            protocol=protocol,
            actor=actor,
            participant=participant,
            visit=visit.visit,
            on=visit.date,
            now=now,
        )
        for form, data in visit.forms.items():
            save_entry(
                session,
                protocol=protocol,
                actor=actor,
                participant=participant,
                visit=visit.visit,
                form=form,
                data=data,
                base_version=0,
                now=now,
            )
        for log in logs_by_visit.pop(visit.visit, []):
            repeats[log.form] = repeats.get(log.form, 0) + 1
            save_entry(
                session,
                protocol=protocol,
                actor=actor,
                participant=participant,
                visit=log.visit,
                form=log.form,
                data=log.data,
                base_version=0,
                repeat=repeats[log.form],
                now=now,
            )
    if logs_by_visit:
        raise PsotrialError(
            f"logs name visits that are not in the casebook: {', '.join(sorted(logs_by_visit))}"
        )
    if casebook.withdrawal is not None and participant.status in ACTIVE:
        transition(
            session,
            actor=actor,
            participant=participant,
            to="withdrawn",
            on=casebook.withdrawal.date,
            reason=casebook.withdrawal.reason,
            now=now,
        )
    return participant


def import_lines(
    factory: sessionmaker[Session],
    *,
    protocol: Protocol,
    actor: Actor,
    lines: Iterable[bytes | OversizedLine],
    now: datetime | None = None,
) -> Iterator[tuple[int, str | None, str | None]]:
    """Import each line in its own savepoint; yields (line number, participant, error).

    Lines are committed in groups (:data:`GROUP_LINES` lines, or what arrived within
    :data:`GROUP_SECONDS`): a commit waits for the disk, and one per participant was a
    fifth of an import's time. Each line still stands alone: a bad line's savepoint is
    rolled back, so nothing of that participant is written and the rest of its group goes
    in. A line is yielded only once its group is committed, so what the caller reports as
    imported is on disk even if the import is then cut short.

    A line that repeats an earlier line of the same input (the same casebook, byte for byte
    once parsed) is refused as a duplicate of it: a casebook carries no participant ID, so
    this is how a file that lists someone twice is caught.
    """
    seen: dict[str, int] = {}
    numbered = enumerate(lines, start=1)
    while True:
        done: list[tuple[int, str | None, str | None]] = []
        with transaction(factory) as session:
            started = time.monotonic()
            for number, raw in numbered:
                done.append(_import_line(session, protocol, actor, number, raw, now, seen))
                if len(done) >= GROUP_LINES or time.monotonic() - started > GROUP_SECONDS:
                    break
        yield from (result for result in done if result[1] or result[2])
        if not done:
            return


def _import_line(
    session: Session,
    protocol: Protocol,
    actor: Actor,
    number: int,
    raw: bytes | OversizedLine,
    now: datetime | None,
    seen: dict[str, int],
) -> tuple[int, str | None, str | None]:
    """One line in its own savepoint: (number, participant, None) or (number, None, error)."""
    if isinstance(raw, bytes) and not raw.strip():
        return number, None, None
    try:
        casebook = _parse(raw)
        digest = hashlib.sha256(casebook.model_dump_json().encode()).hexdigest()
        if digest in seen:
            raise ValueError(f"duplicate participant: the same casebook as line {seen[digest]}")
        seen[digest] = number
        # One audit INSERT per line instead of one per form (same events, same chain).
        with session.begin_nested(), batched_events(session):
            participant = import_casebook(
                session,
                protocol=protocol,
                actor=actor,
                casebook=casebook,
                now=now or datetime.now(UTC),
            )
            label = participant.participant_code or participant.screening_number
        return number, label, None
    except (PsotrialError, ValueError) as exc:
        return number, None, " ".join(str(exc).split())


def _parse(raw: bytes | OversizedLine) -> Casebook:
    size = raw.size if isinstance(raw, OversizedLine) else len(raw.rstrip(b"\r\n"))
    if isinstance(raw, OversizedLine) or size > MAX_LINE_BYTES:
        raise ValueError(f"line is {size:,} bytes; at most {MAX_LINE_BYTES:,} are accepted")
    if raw.startswith(_UTF16_BOMS):
        raise ValueError("UTF-16 text (byte-order mark); save the file as UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start})") from None
    try:
        data = loads_exact(text)
    except ValueError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    except RecursionError:  # e.g. 100,000 nested "[": Python's parser recurses
        raise ValueError("not valid JSON: nested too deeply") from None
    try:
        return Casebook.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(
            f"{where}: {first['msg']}"
            + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")
        ) from None
