"""Errors as responses: JSON ``{"error": {"code", "message", "fields"?}}`` under ``/api`` and
an HTML page elsewhere; never a stack trace, never a 500 for bad input.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, InternalError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from psotrial.errors import (
    ConflictError,
    DataEntryError,
    DerivationError,
    ExportError,
    FieldError,
    FieldErrors,
    LockedError,
    NotAuthenticated,
    NotFoundError,
    PermissionDenied,
    PsotrialError,
    ScoringError,
    StateError,
)
from psotrial.web.auth import refuse_dead_bearer

__all__ = ["error_body", "install_handlers", "status_of"]

log = logging.getLogger("psotrial.web")

# Most specific first: NotAuthenticated before PermissionDenied.
_STATUS: tuple[tuple[type[PsotrialError], int, str], ...] = (
    (NotAuthenticated, 401, "not_authenticated"),
    (PermissionDenied, 403, "forbidden"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (LockedError, 409, "locked"),
    (StateError, 409, "invalid_state"),
    (DataEntryError, 422, "invalid"),
    (ScoringError, 422, "invalid"),
    (ExportError, 422, "invalid"),
    (DerivationError, 422, "invalid"),
)
_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
}


def status_of(exc: PsotrialError) -> tuple[int, str]:
    """HTTP status and error code of a psotrial error (500 for a server-side fault)."""
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return status, code
    return 500, "server_error"


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON error shape of the API."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def _fields(exc: PsotrialError) -> dict[str, str] | None:
    if isinstance(exc, FieldErrors):
        return {e.field: e.msg for e in exc.errors}
    if isinstance(exc, FieldError):
        return {exc.field: exc.msg}
    if isinstance(exc, ScoringError):
        return {exc.field: exc.msg}
    return None


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/healthz"


def _html_error(request: Request, status: int, message: str) -> Response:
    render = request.app.state.render_error
    response: Response = render(request, status, message)
    return response


def install_handlers(app: FastAPI) -> None:
    """Register the error handlers on ``app``."""

    @app.exception_handler(PsotrialError)
    async def psotrial_error(request: Request, exc: PsotrialError) -> Response:
        status, code = status_of(exc)
        message = " ".join(str(exc).split()) if status < 500 else "internal error"
        if status >= 500:
            log.error("server error on %s %s: %r", request.method, request.url.path, exc)
        if _wants_json(request):
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
            return JSONResponse(
                error_body(code, message, _fields(exc)), status_code=status, headers=headers
            )
        if status == 401:
            target = "/login?next=" + quote(request.url.path, safe="/")
            if request.headers.get("hx-request"):
                return Response(status_code=204, headers={"HX-Redirect": target})
            return RedirectResponse(target, status_code=303)
        return _html_error(request, status, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        # The route, which asks whether the bearer token is live, never ran: ask here, so
        # that a dead token is refused (401) before its input is judged (422).
        try:
            await refuse_dead_bearer(request)
        except NotAuthenticated as refused:
            return await psotrial_error(request, refused)
        errors = exc.errors()
        if any(error.get("type") == "json_invalid" for error in errors):
            message = "the request body is not valid JSON"
            if _wants_json(request):
                return JSONResponse(error_body("bad_request", message), status_code=400)
            return _html_error(request, 400, message)
        fields: dict[str, str] = {}
        for error in errors:
            loc = [
                str(part)
                for part in error.get("loc", ())
                if part not in ("body", "query", "path", "header", "cookie")
            ]
            fields[".".join(loc) or "body"] = str(error.get("msg", "invalid"))
        message = f"{len(fields)} invalid fields: " + "; ".join(
            f"{name}: {msg}" for name, msg in fields.items()
        )
        if _wants_json(request):
            return JSONResponse(error_body("invalid", message, fields), status_code=422)
        return _html_error(request, 422, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = str(exc.detail) if exc.detail else code.replace("_", " ")
        if _wants_json(request):
            return JSONResponse(
                error_body(code, message), status_code=exc.status_code, headers=exc.headers
            )
        return _html_error(request, exc.status_code, message)

    @app.exception_handler(DataError)
    async def value_not_storable(request: Request, exc: DataError) -> Response:
        # E.g. a NUL character, which PostgreSQL text cannot hold: bad input, not a fault.
        log.warning("value refused by the database on %s %s", request.method, request.url.path)
        message = (
            "a value could not be stored (it holds a character or number the database refuses)"
        )
        if _wants_json(request):
            return JSONResponse(error_body("invalid", message), status_code=422)
        return _html_error(request, 422, message)

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, exc: DBAPIError) -> Response:
        # Full disk, read-only file, server gone: nothing was acknowledged, say so.
        log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
        message = "the database is unavailable; nothing was saved; try again shortly"
        if _wants_json(request):
            return JSONResponse(error_body("unavailable", message), status_code=503)
        return _html_error(request, 503, message)

    @app.exception_handler(InternalError)
    async def database_read_only(request: Request, exc: InternalError) -> Response:
        # PostgreSQL in recovery (a standby after fail-over) or switched to read-only refuses
        # writes with SQLSTATE 25006, which the driver files as an InternalError.
        if getattr(exc.orig, "sqlstate", None) == "25006":
            return await database_unavailable(request, exc)
        return await unexpected(request, exc)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        if _wants_json(request):
            return JSONResponse(error_body("server_error", "internal error"), status_code=500)
        return _html_error(request, 500, "internal error")
