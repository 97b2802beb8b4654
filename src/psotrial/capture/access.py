"""Who may see which participants: the visibility rule every read path applies.

Coordinators and investigators see only the sites they work at; monitors, data managers,
statisticians, admins and ``system`` see every site (capture.actors). A participant at a
site the actor cannot see is reported as *not found*, exactly like one that does not
exist, so that a request never reveals whether another site's participant exists.

Seeing is not changing: ``check_may_change`` asks capture.actors for the role's
permission at the participant's site (a statistician sees everything and changes nothing).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from psotrial.capture.actors import ALL_SITES_ROLES, Actor, require
from psotrial.capture.participants import get_participant
from psotrial.db.models import Participant
from psotrial.errors import NotFoundError

__all__ = ["can_see_site", "check_may_change", "find_participant", "visible_site_codes"]


def visible_site_codes(actor: Actor) -> frozenset[str] | None:
    """The site codes ``actor`` may see, or None for every site.

    Example:
        >>> visible_site_codes(Actor("c", "coordinator", frozenset({"GZ01"})))
        frozenset({'GZ01'})
        >>> visible_site_codes(Actor("m", "monitor")) is None
        True
    """
    if actor.role in ALL_SITES_ROLES:
        return None
    return frozenset(actor.sites)


def can_see_site(actor: Actor, site: str) -> bool:
    """Whether ``actor`` may see participants of ``site``.

    Example:
        >>> can_see_site(Actor("c", "coordinator", frozenset({"GZ01"})), "GZ02")
        False
    """
    visible = visible_site_codes(actor)
    return visible is None or site in visible


def find_participant(
    session: Session, actor: Actor, pid: str, *, for_update: bool = False
) -> Participant:
    """The participant ``pid`` (participant code ``GZ01-001`` or screening number
    ``GZ01-S001``) if ``actor`` may see it; ``for_update`` locks its row until the
    transaction ends (a status change reads and writes it).

    Raises:
        NotFoundError: no such participant, or one at a site the actor cannot see (the
            same error, so that existence is not revealed).
    """
    try:
        participant = get_participant(session, pid)
    except NotFoundError:
        raise NotFoundError("participant", pid) from None
    if not can_see_site(actor, participant.site.code):
        raise NotFoundError("participant", pid)
    if for_update:
        # Lock the row alone: PostgreSQL refuses FOR UPDATE over the outer join that loads
        # the participant's site (get_participant(for_update=True) fails there).
        session.execute(
            select(Participant.id).where(Participant.id == participant.id).with_for_update()
        )
        session.refresh(participant)
    return participant


def check_may_change(actor: Actor, participant: Participant, permission: str) -> None:
    """Refuse unless ``actor`` holds ``permission`` (capture.actors.PERMISSIONS) at the
    participant's site.

    Raises:
        PermissionDenied: the role may not, or the actor does not work at that site.
    """
    require(actor, permission, participant.site.code)
