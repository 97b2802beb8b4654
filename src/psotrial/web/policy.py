"""Who may call each route of the web application: the declared access policy.

One :class:`Rule` per route and method, keyed ``(METHOD, path template)`` exactly as the
app registers it (``("GET", "/participants/{pid}")``). A rule names the roles that may call
the route and what every other caller gets:

- a role not in ``roles``: ``refused`` (403);
- a coordinator or investigator (who work at their own sites only, capture.access) naming
  another site's participant, form entry or query, on a ``site`` route: ``other_site``,
  404 by default, the same answer as for one that does not exist, so that a request never
  reveals whether another site's record exists (403 where the caller names the site
  itself, as in registering a candidate there);
- nobody logged in: 401 with a JSON error under ``/api`` and a 303 to ``/login`` for pages;
  a ``public`` route answers everyone.

The table is written out by hand, not derived from capture.actors: it is the statement the
code is checked against. tests/reliability/test_access_matrix.py enumerates the app's routes,
calls each as every role, at its own site and at another site, and anonymously, and fails
on any difference and on any route that has no rule here (21 CFR 11.10(d) and (g): access
limited to authorised individuals, authority checks).

Two roles read more than their title suggests, by design of capture.actors: ``admin`` (user
accounts) and ``statistician`` see every site's records read-only, like the monitor and the
data manager; neither can change clinical data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "ALL_SITE_ROLES",
    "EVERY_ROLE",
    "POLICY",
    "SITE_ROLES",
    "STAFF_ROLES",
    "Rule",
    "Scope",
    "expected_status",
]

STAFF_ROLES = ("coordinator", "investigator", "monitor", "data_manager", "statistician", "admin")
"""Every role a person can log in as (``system`` is the CLI's and never logs in)."""
EVERY_ROLE = frozenset(STAFF_ROLES)
SITE_ROLES = frozenset({"coordinator", "investigator"})
"""Roles that see only the sites they work at."""
ALL_SITE_ROLES = EVERY_ROLE - SITE_ROLES

Scope = Literal["public", "study", "site"]
"""``public``: anyone, logged in or not; ``study``: any record the caller may see (lists
filter by site); ``site``: one participant, form entry or query, which belongs to a site."""

_ENTER = frozenset({"coordinator", "investigator"})
_QUERY_OPENERS = frozenset({"coordinator", "investigator", "monitor", "data_manager"})
_QUERY_CLOSERS = frozenset({"monitor", "data_manager"})
_REPORT_READERS = frozenset({"monitor", "data_manager", "statistician"})


@dataclass(frozen=True)
class Rule:
    """Who may call a route, and what the others get.

    ``roles`` may; any other role gets ``refused``; a site-bound role naming another
    site's record gets ``other_site``. ``note`` says why, where the table alone does not.
    """

    roles: frozenset[str]
    scope: Scope = "study"
    refused: int = 403
    other_site: int = 404
    note: str = ""


def _public(note: str = "") -> Rule:
    return Rule(EVERY_ROLE, "public", note=note)


POLICY: Mapping[tuple[str, str], Rule] = {
    # --- Public: documentation, health, logging in, static files.
    ("GET", "/api/v1/openapi.json"): _public("the API's schema: no data"),
    ("GET", "/api/docs"): _public("the API's documentation page"),
    ("GET", "/docs/oauth2-redirect"): _public("part of the documentation page"),
    ("GET", "/static"): _public("style sheet and htmx"),
    ("GET", "/healthz"): _public("liveness"),
    ("POST", "/api/v1/auth/token"): _public("logging in; refusals are a uniform 401"),
    ("GET", "/"): _public("redirects to /dashboard, which asks for a login"),
    ("GET", "/login"): _public(),
    ("POST", "/login"): _public("protected by a double-submit CSRF cookie"),
    # --- JSON API.
    ("GET", "/api/v1/participants"): Rule(EVERY_ROLE, note="lists only visible sites"),
    ("POST", "/api/v1/participants"): Rule(
        _ENTER, "site", other_site=403, note="the caller names the site: no existence to hide"
    ),
    ("GET", "/api/v1/participants/{pid}"): Rule(EVERY_ROLE, "site"),
    ("POST", "/api/v1/participants/{pid}/transitions"): Rule(
        _ENTER, "site", note="enrolment itself is the investigator's (tests/web/test_api_access)"
    ),
    ("GET", "/api/v1/participants/{pid}/audit"): Rule(EVERY_ROLE, "site"),
    ("GET", "/api/v1/participants/{pid}/visits/{visit}/forms/{form}"): Rule(EVERY_ROLE, "site"),
    ("PUT", "/api/v1/participants/{pid}/visits/{visit}/forms/{form}"): Rule(_ENTER, "site"),
    ("GET", "/api/v1/queries"): Rule(EVERY_ROLE, note="lists only visible sites"),
    ("POST", "/api/v1/queries"): Rule(_QUERY_OPENERS, "site"),
    ("POST", "/api/v1/queries/{query_id}/answer"): Rule(_ENTER, "site"),
    ("POST", "/api/v1/queries/{query_id}/close"): Rule(_QUERY_CLOSERS, "site"),
    # --- Pages: account.
    ("POST", "/logout"): Rule(EVERY_ROLE),
    ("POST", "/language"): Rule(EVERY_ROLE),
    ("GET", "/dashboard"): Rule(EVERY_ROLE, note="counts of visible sites only"),
    # --- Pages: forms.
    ("GET", "/participants/{pid}/visits/{visit}/forms/{form}"): Rule(
        EVERY_ROLE, "site", note="read-only for roles that may not enter data"
    ),
    ("POST", "/participants/{pid}/visits/{visit}/forms/{form}"): Rule(_ENTER, "site"),
    ("POST", "/participants/{pid}/visits/{visit}/forms/{form}/score"): Rule(
        EVERY_ROLE, "site", note="scores the values as typed; saves nothing"
    ),
    ("GET", "/ctcae/search"): Rule(EVERY_ROLE, note="the public CTCAE term list"),
    # --- Pages: screening and enrolment.
    ("GET", "/screening"): Rule(EVERY_ROLE),
    ("POST", "/screening"): Rule(
        _ENTER, "site", other_site=403, note="the caller names the site: no existence to hide"
    ),
    ("GET", "/screening/{pid}"): Rule(EVERY_ROLE, "site"),
    ("GET", "/screening/{pid}/verdicts"): Rule(EVERY_ROLE, "site"),
    ("POST", "/screening/{pid}/enrol"): Rule(frozenset({"investigator"}), "site"),
    ("POST", "/screening/{pid}/screen-fail"): Rule(_ENTER, "site"),
    # --- Pages: participants, visits, audit trail.
    ("GET", "/participants"): Rule(EVERY_ROLE),
    ("GET", "/visits"): Rule(EVERY_ROLE),
    ("GET", "/participants/{pid}"): Rule(EVERY_ROLE, "site"),
    ("GET", "/participants/{pid}/audit"): Rule(EVERY_ROLE, "site"),
    # --- Pages: queries and adverse events.
    ("GET", "/queries"): Rule(EVERY_ROLE),
    ("POST", "/queries"): Rule(_QUERY_OPENERS, "site"),
    ("POST", "/queries/{query_id}/answer"): Rule(_ENTER, "site"),
    ("POST", "/queries/{query_id}/close"): Rule(_QUERY_CLOSERS, "site"),
    ("GET", "/adverse-events"): Rule(EVERY_ROLE),
    # --- Pages: review (signatures need the password again, 21 CFR 11.200).
    ("GET", "/signatures"): Rule(EVERY_ROLE, "site", note="with ?pid=, that participant's forms"),
    ("POST", "/review/sign"): Rule(frozenset({"investigator"}), "site"),
    ("POST", "/review/sign-casebook"): Rule(frozenset({"investigator"}), "site"),
    ("POST", "/review/verify"): Rule(frozenset({"monitor"}), "site"),
    ("POST", "/review/lock"): Rule(frozenset({"data_manager"}), "site"),
    ("POST", "/review/unlock"): Rule(frozenset({"data_manager"}), "site"),
    # --- Pages: the study report (aggregate results: not for site staff).
    ("GET", "/report"): Rule(_REPORT_READERS),
    ("GET", "/report.pdf"): Rule(_REPORT_READERS),
    ("GET", "/report.html"): Rule(_REPORT_READERS),
    ("GET", "/report/report.css"): Rule(EVERY_ROLE, note="a style sheet; no data"),
}


def expected_status(
    rule: Rule, *, role: str | None, other_site: bool, api: bool, allowed: int
) -> int:
    """The status ``role`` (None: not logged in) must get from a route under ``rule``.

    ``allowed`` is the status of the call when the caller may make it; ``other_site``
    says the call names another site's record than the caller's (it matters only to the
    site-bound roles); ``api`` selects the JSON API's 401 over the pages' 303 to /login.

    Example:
        >>> rule = POLICY[("POST", "/review/lock")]
        >>> [
        ...     expected_status(rule, role=r, other_site=s, api=False, allowed=303)
        ...     for r, s in [("data_manager", True), ("investigator", True),
        ...                  ("investigator", False), (None, False)]
        ... ]
        [303, 404, 403, 303]
    """
    if rule.scope == "public":
        return allowed
    if role is None:
        return 401 if api else 303
    if other_site and rule.scope == "site" and role in SITE_ROLES:
        return rule.other_site
    return allowed if role in rule.roles else rule.refused
