"""After a page POST: redirect back where the user came from, with a short message.

The message travels as a code in the ``flash`` query parameter, never as text, so a link
cannot make a page say something of an attacker's choosing; the code's message comes from
the gettext catalogs in the user's language.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from fastapi import Request
from fastapi.responses import RedirectResponse

from psotrial.capture.sessions import Login
from psotrial.web.i18n import N_
from psotrial.web.state import WebState

__all__ = ["FLASHES", "read_flash", "redirect_back", "safe_local_path"]

# Code -> (message, whether it reports a refusal).
FLASHES: dict[str, tuple[str, bool]] = {
    "signed": (N_("The form is signed."), False),
    "casebook_signed": (N_("The casebook is signed."), False),
    "verified": (N_("The form is marked as source-verified."), False),
    "locked": (N_("Locked."), False),
    "unlocked": (N_("Unlocked."), False),
    "query_raised": (N_("The query is raised."), False),
    "query_answered": (N_("The query is answered."), False),
    "query_closed": (N_("The query is closed."), False),
    "wrong_password": (
        N_("The password is not correct; nothing was signed. The attempt is recorded."),
        True,
    ),
}


def safe_local_path(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default`` (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def redirect_back(target: str | None, default: str, flash: str) -> RedirectResponse:
    """303 to ``target`` (a local path, else ``default``) with ``flash`` set to a code."""
    parts = urlsplit(safe_local_path(target, default))
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "flash"]
    query.append(("flash", flash))
    url = urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))
    return RedirectResponse(url, status_code=303)


def read_flash(request: Request, state: WebState, login: Login) -> dict[str, object] | None:
    """The flash message of this page view in the user's language, or None."""
    code = request.query_params.get("flash")
    if code not in FLASHES:
        return None
    message, bad = FLASHES[code]
    return {"text": state.catalogs.gettext_for(login.language, message), "bad": bad}
