"""``/api/v1/participants/{id}/visits/{visit}/forms/{form}``: read and save one form.

Visit and form codes are the protocol's (``GET /api/v1/participants/{id}`` lists them).
A repeating form (adverse events, concomitant medications) is addressed with
``?repeat=N``, N = 1, 2, ... for its entries (a new entry: the next free number, saved
with version 0); every other form has ``repeat`` 0, the default.

Saves go through ``capture.entries.save_entry`` (validate, score, edit-check, audit in one
transaction). ``version`` is optimistic concurrency: send the version you read (0 for a
first save); a stale version answers 409 and writes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field, field_validator

from psotrial.capture.access import check_may_change, find_participant
from psotrial.capture.entries import entry_values, find_entry, save_entry
from psotrial.db.engine import transaction
from psotrial.db.models import FormEntry, Participant
from psotrial.errors import FieldError, FieldErrors, NotFoundError
from psotrial.protocol import FormSpec, Protocol
from psotrial.web.api.instrument_data import api_data, api_scores, form_data, rename_field_errors
from psotrial.web.api.participants import Pid
from psotrial.web.api.schemas import NO_NUL, Request, errors, json_response
from psotrial.web.auth import ApiBearer
from psotrial.web.state import WebState, get_state

__all__ = ["FormOut", "FormSave", "SavedFormOut", "form_at_visit", "router"]

router = APIRouter(prefix="/api/v1/participants", tags=["forms"])

State = Annotated[WebState, Depends(get_state)]
VisitCode = Annotated[
    str, Path(min_length=1, max_length=8, pattern=r"^[A-Z][A-Z0-9]*$", examples=["W0"])
]
FormCode = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", examples=["pasi"])
]
Repeat = Annotated[
    int,
    Query(
        ge=0,
        le=999,
        description="Entry number of a repeating form (1, 2, ...); 0 (default) otherwise.",
    ),
]

# Bounds on a form document, so that no body is too big or too deep to refuse politely.
_MAX_DEPTH, _MAX_VALUES, _MAX_TEXT = 4, 400, 4000


class FormOut(BaseModel):
    """A form's data, scores, status and version (0, ``missing`` and ``{}`` before the
    first save). For PASI, BSA, DLQI, Zung and itch, ``data`` has the input shape of
    ``psotrial score <instrument>`` and ``scores`` is that command's ``--json`` output."""

    participant: str
    visit: str
    form: str
    repeat: int
    data: dict[str, Any]
    scores: Any
    status: str = Field(examples=["missing", "draft", "complete", "verified", "signed", "locked"])
    version: int
    updated_at: datetime | None
    updated_by: str | None


class SavedFormOut(FormOut):
    """A saved form, with the items that changed and the queries its edit checks opened."""

    changed: list[str]
    queries_opened: list[int]


class FormSave(Request):
    """A save: the whole form's answers, the version they were based on, and the reason
    for a change to data that is complete or later (required then, else null)."""

    data: dict[str, Any]
    version: int = Field(ge=0, le=1_000_000)
    reason: str | None = Field(default=None, max_length=2000, pattern=NO_NUL)
    status: Literal["draft", "complete"] = Field(
        default="complete",
        description="`draft` keeps missing items allowed; `complete` requires every item.",
    )

    @field_validator("data")
    @classmethod
    def _bounded(cls, data: dict[str, Any]) -> dict[str, Any]:
        count = _check_bounds(data, 1)
        if count > _MAX_VALUES:
            raise ValueError(f"at most {_MAX_VALUES} values in a form, got {count}")
        return data


def _check_bounds(value: Any, depth: int) -> int:
    if isinstance(value, dict):
        if depth > _MAX_DEPTH:
            raise ValueError(f"nested deeper than {_MAX_DEPTH} levels")
        for key in value:
            if len(key) > 128 or "\x00" in key:
                raise ValueError(f"a key is too long or holds a NUL character: {key[:20]!r}")
        return sum(_check_bounds(item, depth + 1) for item in value.values())
    if isinstance(value, list):
        if depth > _MAX_DEPTH or len(value) > 100:
            raise ValueError("a list is too long or too deep")
        return sum(_check_bounds(item, depth + 1) for item in value)
    if isinstance(value, str) and len(value) > _MAX_TEXT:
        raise ValueError(f"a text is longer than {_MAX_TEXT} characters")
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("a text contains a NUL character")
    return 1


@router.get(
    "/{pid}/visits/{visit}/forms/{form}", response_model=FormOut, responses=errors(401, 404, 422)
)
def show_form(
    pid: Pid, visit: VisitCode, form: FormCode, bearer: ApiBearer, state: State, repeat: Repeat = 0
) -> Response:
    """A form's data and scores. Every role that can see the participant may read it."""
    with state.factory() as session:
        actor = bearer.login(session).actor
        participant = find_participant(session, actor, pid)
        spec = form_at_visit(state.protocol, visit, form, repeat)
        entry = find_entry(session, participant, visit, form, repeat)
        return json_response(_form_out(spec, participant, visit, repeat, entry))


@router.put(
    "/{pid}/visits/{visit}/forms/{form}",
    response_model=SavedFormOut,
    responses=errors(400, 401, 403, 404, 409, 422),
)
def save_form(
    pid: Pid,
    visit: VisitCode,
    form: FormCode,
    body: FormSave,
    bearer: ApiBearer,
    state: State,
    repeat: Repeat = 0,
) -> Response:
    """Save a form (coordinators and investigators of the participant's site).

    Answers 200 with the new version and scores; 409 when ``version`` is stale (nothing
    is overwritten) or the form is locked; 422 with ``fields`` naming each invalid item
    (nothing is written), or when a change to complete data gives no ``reason``.
    """
    with transaction(state.factory) as session:
        actor = bearer.login(session).actor
        participant = find_participant(session, actor, pid)
        check_may_change(actor, participant, "enter_data")
        spec = form_at_visit(state.protocol, visit, form, repeat)
        try:
            saved = save_entry(
                session,
                protocol=state.protocol,
                actor=actor,
                participant=participant,
                visit=visit,
                form=form,
                data=form_data(spec, body.data),
                base_version=body.version,
                status=body.status,
                reason=body.reason,
                repeat=repeat,
                now=state.clock(),
            )
        except (FieldError, FieldErrors) as exc:
            raise rename_field_errors(spec, exc) from None
        out_saved: SavedFormOut = _form_out(
            spec,
            participant,
            visit,
            repeat,
            saved.entry,
            saved=SavedFormOut,
            changed=list(saved.changed),
            queries_opened=list(saved.queries),
        )
        return json_response(out_saved)


def form_at_visit(protocol: Protocol, visit: str, form: str, repeat: int) -> FormSpec:
    """The form's spec, if ``visit`` collects it; a repeat number that fits the form."""
    planned = protocol.visit(visit)
    spec = protocol.form(form)
    if form not in planned.forms and not (spec.any_visit and visit != protocol.visits[0].code):
        raise NotFoundError(f"form at {visit}", form, planned.forms)
    if spec.repeating and repeat < 1:
        raise FieldError("repeat", f"{form} is a repeating form: give ?repeat=N, N from 1")
    if not spec.repeating and repeat != 0:
        raise FieldError("repeat", f"{form} is not a repeating form: leave out ?repeat")
    return spec


def _form_out(
    spec: FormSpec,
    participant: Participant,
    visit: str,
    repeat: int,
    entry: FormEntry | None,
    saved: type[FormOut] = FormOut,
    **extra: Any,
) -> Any:
    """The form as ``saved`` (FormOut, or SavedFormOut with its ``extra`` fields), built
    once rather than as a FormOut copied into a SavedFormOut."""
    label = participant.participant_code or participant.screening_number
    if entry is None:
        return saved(
            participant=label,
            visit=visit,
            form=spec.code,
            repeat=repeat,
            data={},
            scores={},
            status="missing",
            version=0,
            updated_at=None,
            updated_by=None,
            **extra,
        )
    stored = entry_values(entry)
    return saved(
        participant=label,
        visit=visit,
        form=spec.code,
        repeat=repeat,
        data=api_data(spec, stored),
        scores=api_scores(spec, stored, entry.scores),
        status="locked" if entry.locked else entry.status,
        version=entry.version,
        updated_at=entry.updated_at,
        updated_by=entry.updated_by,
        **extra,
    )
