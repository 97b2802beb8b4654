"""Who acts, and what each role may do (21 CFR Part 11: actions are attributable).

| permission        | roles                                            |
|-------------------|--------------------------------------------------|
| enter_data        | coordinator, investigator                        |
| enrol             | investigator                                     |
| verify            | monitor                                          |
| sign              | investigator                                     |
| open_query        | monitor, data_manager, investigator, coordinator |
| answer_query      | coordinator, investigator                        |
| close_query       | monitor, data_manager                            |
| lock              | data_manager                                     |
| export            | data_manager, statistician                       |
| manage_users      | admin                                            |

``system`` (import, demo, automatic edit checks) may do everything. Coordinators and
investigators act only at their own sites; the other roles see every site.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from psotrial.errors import PermissionDenied

__all__ = ["ALL_SITES_ROLES", "PERMISSIONS", "ROLES", "SYSTEM", "Actor", "require"]

ROLES = (
    "coordinator",
    "investigator",
    "monitor",
    "data_manager",
    "statistician",
    "admin",
    "system",
)

PERMISSIONS: Mapping[str, frozenset[str]] = {
    "enter_data": frozenset({"coordinator", "investigator"}),
    "enrol": frozenset({"investigator"}),
    "verify": frozenset({"monitor"}),
    "sign": frozenset({"investigator"}),
    "open_query": frozenset({"monitor", "data_manager", "investigator", "coordinator"}),
    "answer_query": frozenset({"coordinator", "investigator"}),
    "close_query": frozenset({"monitor", "data_manager"}),
    "lock": frozenset({"data_manager"}),
    "export": frozenset({"data_manager", "statistician"}),
    "manage_users": frozenset({"admin"}),
}

ALL_SITES_ROLES = frozenset({"monitor", "data_manager", "statistician", "admin", "system"})


@dataclass(frozen=True)
class Actor:
    """The user acting: username, role and the site codes they work at."""

    username: str
    role: str
    sites: frozenset[str] = frozenset()


SYSTEM = Actor("system", "system")


def require(actor: Actor, permission: str, site: str | None = None) -> None:
    """Refuse unless ``actor`` may do ``permission`` (at ``site``, when given).

    Raises:
        PermissionDenied: naming the user, the role and the roles that may.
    """
    allowed = PERMISSIONS[permission]
    if actor.role != "system" and actor.role not in allowed:
        raise PermissionDenied(
            f"{actor.username} ({actor.role}) may not {permission.replace('_', ' ')}; "
            f"roles that may: {', '.join(sorted(allowed))}"
        )
    if site is not None and actor.role not in ALL_SITES_ROLES and site not in actor.sites:
        raise PermissionDenied(f"{actor.username} does not work at site {site}")
