"""Electronic signatures (21 CFR 11.50/11.200): re-entered password, meaning, time, content hash.

A signature covers a form entry or a participant's whole casebook. It is invalidated,
visibly and with an audit event, when the data it covers changes afterwards.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from psotrial.audit import STATUS_ITEM, Change, append_events
from psotrial.capture.actors import Actor, require
from psotrial.capture.users import verify_password
from psotrial.db.models import FormEntry, Participant, Signature
from psotrial.errors import FieldError, StateError
from psotrial.jsoncodec import dumps_canonical

__all__ = ["compute_content_hash", "invalidate_signatures", "sign_casebook", "sign_entry"]

# The valid signatures over one entry (its own and the casebook's); every edit asks.
_COVERING = select(Signature).where(
    Signature.participant_id == bindparam("participant_id"),
    Signature.valid.is_(True),
    or_(Signature.entry_id == bindparam("entry_id"), Signature.entry_id.is_(None)),
)

DEFAULT_MEANING = "I have reviewed this data and confirm it is accurate and complete."


def compute_content_hash(entries: list[FormEntry]) -> str:
    """SHA-256 of the signed content: each entry's identity, version and data."""
    content = [
        {
            "id": e.id,
            "visit": e.visit_code,
            "form": e.form_code,
            "repeat": e.repeat_index,
            "version": e.version,
            "data": e.data,
        }
        for e in sorted(entries, key=lambda e: e.id)
    ]
    return hashlib.sha256(dumps_canonical(content).encode("utf-8")).hexdigest()


def sign_entry(
    session: Session,
    *,
    actor: Actor,
    password: str,
    entry: FormEntry,
    meaning: str = DEFAULT_MEANING,
    now: datetime | None = None,
) -> Signature:
    """An investigator signs one form (complete or verified) by re-entering the password."""
    participant = session.get_one(Participant, entry.participant_id)
    require(actor, "sign", participant.site.code)
    verify_password(session, username=actor.username, password=password)
    if entry.status not in ("complete", "verified"):
        raise StateError(
            f"{entry.form_code} at {entry.visit_code} is {entry.status}; "
            "only a complete or verified form can be signed"
        )
    now = now or datetime.now(UTC)
    signature = _sign(session, actor, participant, [entry], entry.id, meaning, now)
    old = entry.status
    entry.status = "signed"
    entry.version += 1
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change(
                "status",
                "form_entry",
                str(entry.id),
                participant.id,
                STATUS_ITEM,
                old=old,
                new="signed",
                reason=meaning,
            )
        ],
    )
    return signature


def sign_casebook(
    session: Session,
    *,
    actor: Actor,
    password: str,
    participant: Participant,
    meaning: str = DEFAULT_MEANING,
    now: datetime | None = None,
) -> Signature:
    """An investigator signs a participant's whole casebook."""
    require(actor, "sign", participant.site.code)
    verify_password(session, username=actor.username, password=password)
    entries = list(
        session.scalars(select(FormEntry).where(FormEntry.participant_id == participant.id))
    )
    drafts = [f"{e.form_code} at {e.visit_code}" for e in entries if e.status == "draft"]
    if drafts:
        raise StateError(f"the casebook has draft forms: {', '.join(drafts[:5])}")
    return _sign(session, actor, participant, entries, None, meaning, now or datetime.now(UTC))


def _sign(
    session: Session,
    actor: Actor,
    participant: Participant,
    entries: list[FormEntry],
    entry_id: int | None,
    meaning: str,
    now: datetime,
) -> Signature:
    if not meaning.strip():
        raise FieldError("meaning", "state what the signature means")
    signature = Signature(
        participant_id=participant.id,
        entry_id=entry_id,
        signer=actor.username,
        meaning=meaning,
        signed_at=now,
        content_hash=compute_content_hash(entries),
        valid=True,
    )
    session.add(signature)
    session.flush()
    append_events(
        session,
        actor=actor.username,
        at=now,
        changes=[
            Change(
                "sign",
                "signature",
                str(signature.id),
                participant.id,
                f"entry {entry_id}" if entry_id else "casebook",
                new={"meaning": meaning, "content_hash": signature.content_hash},
            )
        ],
    )
    return signature


def invalidate_signatures(
    session: Session,
    *,
    actor: Actor,
    participant: Participant,
    entry: FormEntry,
    reason: str,
    now: datetime,
    audit: list[Change] | None = None,
) -> list[Signature]:
    """Invalidate every valid signature covering ``entry`` (its own, and the casebook's).

    ``audit``: a list to add the audit events to, for a caller that appends its own events
    and these in one go (the same events, in the same order), instead of appending here.
    """
    signatures = list(
        session.scalars(_COVERING, {"participant_id": participant.id, "entry_id": entry.id})
    )
    for signature in signatures:
        signature.valid, signature.invalidated_at = False, now
        signature.invalidated_reason = reason
    changes = [
        Change(
            "signature_invalidated",
            "signature",
            str(s.id),
            participant.id,
            None,
            old="valid",
            new="invalid",
            reason=reason,
        )
        for s in signatures
    ]
    if audit is not None:
        audit.extend(changes)
    else:
        append_events(session, actor=actor.username, at=now, changes=changes)
    return signatures
