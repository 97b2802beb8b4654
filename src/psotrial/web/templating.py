"""Jinja2 templates, one environment per language, with our filters.

Autoescaping is on for every template; translations come from the gettext catalogs
(``{{ _("...") }}`` in templates). Timestamps are stored in UTC and shown in the site's
time zone.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from psotrial.capture.actors import PERMISSIONS
from psotrial.capture.sessions import Login
from psotrial.web.auth import csrf_token_for
from psotrial.web.i18n import LANGUAGES, Catalogs

# Who reads the study report (web/pages/report.py enforces it; the menu only shows it).
REPORT_ROLES = frozenset({"statistician", "data_manager", "monitor"})

__all__ = ["build_environments", "format_local", "render"]


def format_local(value: datetime | date | None, timezone: str = "UTC") -> str:
    """A timestamp in the site's zone (``2026-03-02 17:00 CST``), a date as ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(timezone))
        return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")
    return value.isoformat()


def _number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def build_environments(catalogs: Catalogs) -> dict[str, Environment]:
    """One Jinja environment per language."""
    environments: dict[str, Environment] = {}
    for language in LANGUAGES:
        env = Environment(
            loader=PackageLoader("psotrial.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            extensions=["jinja2.ext.i18n"],
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(catalogs.get(language), newstyle=True)  # type: ignore[attr-defined]
        env.filters["local"] = format_local
        env.filters["number"] = _number
        env.globals["LANGUAGES"] = LANGUAGES
        env.globals["PERMISSIONS"] = PERMISSIONS
        env.globals["REPORT_ROLES"] = REPORT_ROLES
        env.globals["language"] = language
        environments[language] = env
    return environments


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    login: Login | None = None,
) -> HTMLResponse:
    """Render a page in the user's language with the common context (login, CSRF, study)."""
    state = request.app.state.psotrial
    if login is None:
        login = getattr(request.state, "login", None)
    language = login.language if login is not None else _browser_language(request)
    env = state.templates.get(language, state.templates["en"])
    page: dict[str, Any] = {
        "request": request,
        "login": login,
        "csrf_token": csrf_token_for(state, login) if login is not None else "",
        "study_title": state.study_title,
        "registry_id": state.protocol.identity.registry_id,
        "synthetic": state.synthetic,
        "path": request.url.path,
    }
    page.update(context or {})
    html = env.get_template(template).render(page)
    return HTMLResponse(html, status_code=status_code)


def _browser_language(request: Request) -> str:
    chosen = request.cookies.get("psotrial_lang")
    if chosen in LANGUAGES:
        return chosen
    accept = request.headers.get("accept-language", "").lower()
    return "zh" if accept.startswith("zh") else "en"
