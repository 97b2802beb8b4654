"""Shapes shared by the API routers: the error body and the declared error responses.

Every refusal is a documented 4xx with the body ``{"error": {"code", "message",
"fields"?}}`` (web.handlers); each route declares the statuses it can answer, so the
OpenAPI document lists them all (400 included: a malformed JSON body).
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["NO_NUL", "ErrorBody", "ErrorDetail", "Request", "errors", "json_response"]

NO_NUL = r"^[^\x00]*$"
"""Pattern of every free text: no NUL character (PostgreSQL text cannot hold one, and no
clinical text needs it), so it is a 422 rather than a database error."""


class Request(BaseModel):
    """Base of request bodies: unknown keys are refused (422), never ignored."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    """What went wrong: a stable ``code``, a readable ``message``, and per-field messages."""

    code: str = Field(examples=["invalid"])
    message: str
    fields: dict[str, str] | None = Field(
        default=None, description="item or body field -> what is wrong with it (422 only)"
    )


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "Malformed request (the body is not valid JSON).",
    401: "No bearer token, or an invalid, expired or revoked one (`not_authenticated`).",
    403: "The caller's role may not do this, or the caller does not work at the site "
    "(`forbidden`).",
    404: "No such participant, visit, form or query, or one at a site the caller cannot see "
    "(the same answer, so that existence is not revealed) (`not_found`).",
    409: "A stale version (`conflict`), locked data (`locked`) or a lifecycle step that is "
    "not allowed (`invalid_state`); nothing was written.",
    422: "Invalid input; `fields` names each bad field (`invalid`); nothing was written.",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: each status with its description and the error body."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
        for status in sorted(statuses)
    }


def json_response(body: BaseModel, status_code: int = 200) -> Response:
    """``body`` serialised as FastAPI serialises a route's response model, in the route's
    own worker thread.

    A route that returns the model instead has FastAPI validate it again, in one more
    worker-thread hand-over, which cost more CPU than the serialising (issue 7). The route
    declares ``response_model=`` for the OpenAPI document.
    """
    return Response(
        body.model_dump_json(by_alias=True), status_code=status_code, media_type="application/json"
    )
