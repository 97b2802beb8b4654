"""Data-entry forms, generated from the protocol's form definitions, with live scores.

``GET /participants/{pid}/visits/{visit}/forms/{form}[?repeat=N]`` shows a form with its
current data, status, version and who saved it when (site time zone); ``POST`` the same
path saves it through ``capture.entries.save_entry`` (the version for optimistic
concurrency, a reason once the data is final). A refused save re-renders the form with the
values as entered and each field's error beside it (422); a stale version shows the
current values and the refused ones (409). ``POST .../score`` returns the live-score
fragment for htmx, computed by ``capture.scoring.score_form``, the very function the save
stores scores with, so the numbers shown are the numbers saved. ``GET /ctcae/search?q=``
returns matching CTCAE v5.0 terms for the adverse-event form's type-ahead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from psotrial.capture.access import check_may_change, find_participant
from psotrial.capture.ctcae_terms import search_ctcae_terms
from psotrial.capture.entries import entry_values, find_entry, save_entry
from psotrial.capture.scoring import Finding, ScoringContext, score_form
from psotrial.capture.sessions import Login
from psotrial.db.engine import transaction
from psotrial.db.models import FormEntry, Participant, Query
from psotrial.errors import (
    ConflictError,
    FieldError,
    FieldErrors,
    LockedError,
    NotFoundError,
    PermissionDenied,
    ScoringError,
    StateError,
)
from psotrial.instruments.bsa import BsaResult, compute_bsa
from psotrial.instruments.pasi import REGIONS, SIGNS, RegionScore, compute_pasi
from psotrial.jsoncodec import dumps_canonical, loads_exact
from psotrial.protocol import Choice, FormSpec, ItemSpec, Protocol
from psotrial.protocol.answers import nest_answers, read_form
from psotrial.protocol.wording import Wording, parse_wording
from psotrial.web.auth import PageLogin, check_csrf
from psotrial.web.pages.form_fields import (
    build_fields,
    build_lab_fields,
    displayed_values,
    map_errors,
    posted_values,
    to_answers,
)
from psotrial.web.state import WebState, get_state
from psotrial.web.templating import render

__all__ = ["LIVE_SCORED", "ScorePanel", "load_wording", "router"]

router = APIRouter(include_in_schema=False)
State = Annotated[WebState, Depends(get_state)]

# Forms whose scores are shown live as the user types; the infusion's dose needs the
# latest stored weight and is shown once saved.
LIVE_SCORED = frozenset(
    {"pasi", "bsa", "dlqi", "itch", "zung_sas", "zung_sds", "labs", "adverse_event"}
)
_PARTIALS = {
    "pasi": "forms/pasi.html",
    "bsa": "forms/bsa.html",
    "dlqi": "forms/dlqi.html",
    "itch": "forms/itch.html",
    "zung_sas": "forms/zung.html",
    "zung_sds": "forms/zung.html",
    "labs": "forms/labs.html",
    "adverse_event": "forms/adverse_event.html",
}
_SCORED = frozenset({*LIVE_SCORED, "infusion"})
_WORDING: dict[str, Wording] = {}


async def _posted_form(request: Request) -> FormData:
    return await request.form()


Posted = Annotated[FormData, Depends(_posted_form)]


def load_wording(state: WebState) -> Wording:
    """The questionnaire wording beside the study's protocol (read once; empty if none)."""
    name = state.protocol_name
    if name not in _WORDING:
        path = resources.files("psotrial") / "protocols" / "wording" / f"{name}.yaml"
        data = yaml.safe_load(path.read_text("utf-8")) if path.is_file() else {}
        _WORDING[name] = parse_wording(data or {}, source=str(path), protocol=state.protocol)
    return _WORDING[name]


@dataclass(frozen=True)
class ScorePanel:
    """What the score panel shows: the scores (as saved or as they would be saved), the
    per-region detail, the edit-check findings, and problems that keep it from scoring."""

    kind: str
    scores: Mapping[str, Any] = field(default_factory=dict)
    regions: Mapping[str, RegionScore] = field(default_factory=dict)
    bsa: BsaResult | None = None
    findings: tuple[Finding, ...] = ()
    problems: tuple[str, ...] = ()
    saved: bool = False


def _kind(spec: FormSpec) -> str:
    return spec.instrument or spec.code


def _form_spec(protocol: Protocol, visit: str, form: str) -> FormSpec:
    """The form, if it is collected at the visit (404 otherwise, naming what is)."""
    planned = protocol.visit(visit)
    spec = protocol.form(form)
    at_any_visit = spec.any_visit and visit != protocol.visits[0].code
    if form not in planned.forms and not at_any_visit:
        raise NotFoundError(f"form at {visit}", form, planned.forms)
    return spec


def _repeat_index(spec: FormSpec, repeat: int | None) -> int:
    if not spec.repeating:
        if repeat not in (None, 0):
            raise NotFoundError("entry", f"{spec.code} #{repeat}", ["0"])
        return 0
    if repeat is None or repeat < 1:
        raise NotFoundError("entry", f"{spec.code} #{repeat}")
    return repeat


def _urls(pid: str, visit: str, form: str, repeat: int) -> tuple[str, str]:
    base = f"/participants/{pid}/visits/{visit}/forms/{form}"
    suffix = f"?repeat={repeat}" if repeat else ""
    return base + suffix, f"{base}/score" + suffix


def _open_queries(session: Session, entry: FormEntry | None, spec: FormSpec) -> dict[str, int]:
    """Open (not closed) queries on each item of the entry."""
    if entry is None:
        return {}
    rows = session.execute(
        select(Query.item, func.count())
        .where(Query.entry_id == entry.id, Query.status != "closed", Query.item.is_not(None))
        .group_by(Query.item)
    ).all()
    counts: dict[str, int] = {}
    for item, count in rows:
        name = str(item).removeprefix(f"{spec.code}.")
        counts[name] = counts.get(name, 0) + int(count)
    return counts


def _may_change(login: Login, participant: Participant) -> bool:
    try:
        check_may_change(login.actor, participant, "enter_data")
    except PermissionDenied:
        return False
    return True


def _labels(state: WebState, login: Login, spec: FormSpec) -> dict[str, Any]:
    wording = load_wording(state)
    language = login.language

    def translate(text: str) -> str:
        return state.catalogs.gettext_for(language, text)

    def item_label(item: ItemSpec) -> str:
        return wording.item_text(spec.code, item.name, language) or translate(item.label)

    def choice_label(item: ItemSpec, choice: Choice) -> str:
        return wording.choice_text(spec.code, choice.code, language) or translate(choice.label)

    return {"item_label": item_label, "choice_label": choice_label, "translate": translate}


def _fields(
    state: WebState,
    login: Login,
    spec: FormSpec,
    values: Mapping[str, Any],
    errors: Mapping[str, str],
    queries: Mapping[str, int],
) -> list[Any]:
    labels = _labels(state, login, spec)
    if spec.instrument == "labs":
        return list(
            build_lab_fields(
                spec, values, errors=errors, queries=queries, translate=labels["translate"]
            )
        )
    return list(build_fields(spec, values, errors=errors, queries=queries, **labels))


def _pasi_regions(values: Mapping[str, Any]) -> dict[str, RegionScore]:
    """Each complete region's score, by the PASI instrument itself (the others held at 0),
    so contributions show while the rest of the grid is still being filled in."""
    nested = nest_answers(values)
    clear = {"erythema": 0, "induration": 0, "desquamation": 0, "area": 0}
    regions: dict[str, RegionScore] = {}
    for name in REGIONS:
        region = nested.get(name, {})
        if any(region.get(key) is None for key in (*SIGNS, "area_pct")):
            continue
        try:
            result = compute_pasi({other: region if other == name else clear for other in REGIONS})
        except ScoringError:
            continue
        regions[name] = result.regions[name]
    return regions


def _panel(
    spec: FormSpec,
    values: Mapping[str, Any],
    scores: Mapping[str, Any],
    findings: tuple[Finding, ...] = (),
    *,
    saved: bool,
) -> ScorePanel:
    kind = _kind(spec)
    bsa = None
    if kind == "bsa" and "bsa_pct" in scores:
        try:
            bsa = compute_bsa(values)
        except ScoringError:
            bsa = None
    regions = _pasi_regions(values) if kind == "pasi" else {}
    return ScorePanel(kind, scores, regions, bsa, findings, saved=saved)


def _live_panel(
    state: WebState, participant: Participant, spec: FormSpec, posted: Mapping[str, Any]
) -> ScorePanel:
    """Scores of the posted values exactly as a save would compute them."""
    answers = to_answers(spec, posted, participant.site.timezone)
    try:
        values = read_form(spec, answers)
        context = ScoringContext(
            protocol=state.protocol,
            screening_date=participant.screening_date,
            recorded_on=state.clock().date(),
            cells_per_kg=state.protocol.arm().dosing.cells_per_kg,
        )
        scores, findings = score_form(spec, values, context)
    except (FieldError, FieldErrors, ScoringError) as exc:
        by_field, general = map_errors(exc, spec)
        problems = [f"{name}: {message}" for name, message in by_field.items()] + general
        return ScorePanel(_kind(spec), problems=tuple(problems))
    # Round-trip through the stored form, so the panel shows exactly what save_entry stores.
    stored = loads_exact(dumps_canonical(scores))
    return _panel(spec, values, stored, tuple(findings), saved=False)


def _saved_panel(spec: FormSpec, entry: FormEntry | None) -> ScorePanel | None:
    if entry is None or _kind(spec) not in _SCORED:
        return None
    values = read_form(spec, entry_values(entry))
    return _panel(spec, values, loads_exact(entry.scores), saved=True)


def _render_form(
    request: Request,
    state: WebState,
    login: Login,
    session: Session,
    participant: Participant,
    spec: FormSpec,
    visit: str,
    repeat: int,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Mapping[str, str] | None = None,
    general: list[str] | None = None,
    conflict: str | None = None,
    refused: Mapping[str, Any] | None = None,
    reason: str = "",
    flash: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    entry = find_entry(session, participant, visit, spec.code, repeat)
    timezone = participant.site.timezone
    if values is None:
        values = displayed_values(spec, entry_values(entry) if entry else {}, timezone)
    queries = _open_queries(session, entry, spec)
    pid = participant.participant_code or participant.screening_number
    save_url, score_url = _urls(pid, visit, spec.code, repeat)
    wording = load_wording(state)
    language = login.language
    kind = _kind(spec)
    title = wording.title(spec.code, language)
    live = kind in LIVE_SCORED
    panel: ScorePanel | None
    if live and (errors or general):  # the values shown are the ones just posted
        panel = _live_panel(state, participant, spec, values)
    else:
        panel = _saved_panel(spec, entry) or (ScorePanel(kind) if live else None)
    enrolled_only = visit != state.protocol.visits[0].code and participant.participant_code is None
    fields = _fields(state, login, spec, values, errors or {}, queries)
    context = {
        "participant": participant,
        "pid": pid,
        "visit": state.protocol.visit(visit),
        "visit_code": visit,
        "form_code": spec.code,
        "spec": spec,
        "kind": kind,
        "repeat": repeat,
        "entry": entry,
        "site_tz": timezone,
        "fields": fields,
        "by_name": {f.name: f for f in fields if spec.instrument != "labs"},
        "lab_codes": [test.code for test in spec.lab_tests],
        "oob": False,
        "values": values,
        "errors": errors or {},
        "general": general or [],
        "conflict": conflict,
        "refused": refused or {},
        "reason": reason,
        "flash": flash,
        "panel": panel,
        "live": live,
        "partial": _PARTIALS.get(kind, "forms/generic.html"),
        "save_url": save_url,
        "score_url": score_url,
        "may_change": _may_change(login, participant) and not enrolled_only,
        "not_enrolled": enrolled_only,
        "needs_reason": entry is not None and entry.status != "draft",
        "title": title or state.catalogs.gettext_for(language, spec.name),
        "instructions": wording.instructions(spec.code, language),
        "copyright": wording.form(spec.code).copyright or spec.copyright,
        "notice": wording.notice_text(language) if wording.form(spec.code).items else None,
    }
    return render(request, "form.html", context, status_code=status_code, login=login)


def _render_repeats(
    request: Request,
    state: WebState,
    login: Login,
    session: Session,
    participant: Participant,
    spec: FormSpec,
    visit: str,
) -> HTMLResponse:
    entries = list(
        session.scalars(
            select(FormEntry)
            .where(
                FormEntry.participant_id == participant.id,
                FormEntry.visit_code == visit,
                FormEntry.form_code == spec.code,
            )
            .order_by(FormEntry.repeat_index)
        )
    )
    pid = participant.participant_code or participant.screening_number
    rows = [(entry, entry_values(entry), loads_exact(entry.scores)) for entry in entries]
    context = {
        "participant": participant,
        "pid": pid,
        "visit": state.protocol.visit(visit),
        "spec": spec,
        "rows": rows,
        "site_tz": participant.site.timezone,
        "next_repeat": max((e.repeat_index for e in entries), default=0) + 1,
        "base_url": f"/participants/{pid}/visits/{visit}/forms/{spec.code}",
        "may_change": _may_change(login, participant),
        "title": state.catalogs.gettext_for(login.language, spec.name),
    }
    return render(request, "form_repeats.html", context, login=login)


@router.get("/participants/{pid}/visits/{visit}/forms/{form}")
def show_form(
    request: Request,
    state: State,
    login: PageLogin,
    pid: str,
    visit: str,
    form: str,
    repeat: int | None = None,
    saved: int | None = None,
) -> HTMLResponse:
    """A form with its current data (or the list of entries of a repeating form)."""
    with state.factory() as session:
        participant = find_participant(session, login.actor, pid)
        spec = _form_spec(state.protocol, visit, form)
        if spec.repeating and repeat is None:
            return _render_repeats(request, state, login, session, participant, spec, visit)
        index = _repeat_index(spec, repeat)
        flash = state.catalogs.gettext_for(login.language, "Saved.") if saved else None
        return _render_form(
            request, state, login, session, participant, spec, visit, index, flash=flash
        )


@router.post("/participants/{pid}/visits/{visit}/forms/{form}", dependencies=[Depends(check_csrf)])
def submit_form(
    request: Request,
    state: State,
    login: PageLogin,
    posted_form: Posted,
    pid: str,
    visit: str,
    form: str,
    repeat: int | None = None,
) -> Response:
    """Save a form; refusals re-render it with the entered values and the errors."""
    spec = _form_spec(state.protocol, visit, form)
    index = _repeat_index(spec, repeat)
    posted = posted_values(spec, posted_form)
    raw_reason = posted_form.get("_reason")
    reason = raw_reason.strip() if isinstance(raw_reason, str) else ""
    status = "draft" if posted_form.get("_status") == "draft" else "complete"
    raw_version = posted_form.get("_version")
    try:
        with transaction(state.factory) as session:
            participant = find_participant(session, login.actor, pid)
            if not isinstance(raw_version, str) or not raw_version.isdigit():
                message = state.catalogs.gettext_for(
                    login.language, "The form's version is missing; reload the form."
                )
                raise FieldError("_version", message)
            saved = save_entry(
                session,
                protocol=state.protocol,
                actor=login.actor,
                participant=participant,
                visit=visit,
                form=form,
                data=to_answers(spec, posted, participant.site.timezone),
                base_version=int(raw_version),
                status=status,
                reason=reason or None,
                repeat=index,
                now=state.clock(),
            )
            target = _urls(pid, visit, form, index)[0]
            opened = len(saved.queries)
    except (FieldError, FieldErrors, ScoringError, ConflictError, StateError, LockedError) as exc:
        problem = exc
    else:
        separator = "&" if "?" in target else "?"
        response = RedirectResponse(f"{target}{separator}saved=1", status_code=303)
        if opened:
            response.headers["X-Queries-Opened"] = str(opened)
        return response
    with state.factory() as session:
        participant = find_participant(session, login.actor, pid)
        common = (request, state, login, session, participant, spec, visit, index)
        if isinstance(problem, ConflictError):
            return _render_form(
                *common,
                conflict=str(problem),
                refused=posted,
                reason=reason,
                status_code=409,
            )
        if isinstance(problem, StateError | LockedError):
            return _render_form(
                *common, values=posted, general=[str(problem)], reason=reason, status_code=409
            )
        errors, general = map_errors(problem, spec)
        return _render_form(
            *common,
            values=posted,
            errors=errors,
            general=general,
            reason=reason,
            status_code=422,
        )


@router.post(
    "/participants/{pid}/visits/{visit}/forms/{form}/score", dependencies=[Depends(check_csrf)]
)
def live_score(
    request: Request,
    state: State,
    login: PageLogin,
    posted_form: Posted,
    pid: str,
    visit: str,
    form: str,
    repeat: int | None = None,
    part: str | None = None,
) -> HTMLResponse:
    """The score panel for the values as typed (htmx fragment); nothing is saved.

    ``part=q7b`` returns DLQI item 7b, asked only when 7a is "No".
    """
    with state.factory() as session:
        participant = find_participant(session, login.actor, pid)
        spec = _form_spec(state.protocol, visit, form)
        posted = posted_values(spec, posted_form)
        pid_shown = participant.participant_code or participant.screening_number
        if part == "q7b" and spec.instrument == "dlqi":
            fields = {f.name: f for f in _fields(state, login, spec, posted, {}, {})}
            return render(
                request,
                "forms/_dlqi_q7b.html",
                {
                    "f": fields["q7b"],
                    "asked": posted.get("q7a") == "no",
                    "pid": pid_shown,
                    "visit_code": visit,
                    "form_code": spec.code,
                    "may_change": _may_change(login, participant),
                },
                login=login,
            )
        panel = _live_panel(state, participant, spec, posted)
        context = {
            "panel": panel,
            "oob": True,
            "lab_codes": [test.code for test in spec.lab_tests],
        }
        return render(request, "forms/_score.html", context, login=login)


@router.get("/ctcae/search")
def ctcae_search(
    request: Request, login: PageLogin, q: str = "", ctcae_term: str = ""
) -> HTMLResponse:
    """Matching CTCAE v5.0 terms as ``<option>`` elements (for a ``<datalist>``).

    ``ctcae_term`` is accepted as well as ``q`` so the form's own input can ask directly.
    """
    text = (q or ctcae_term)[:100]
    terms = search_ctcae_terms(text, limit=20)
    return render(request, "forms/_ctcae_options.html", {"terms": terms, "q": text}, login=login)
