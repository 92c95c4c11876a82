"""One JSON error shape for the whole API, mapped from domain errors in one place.

Every error body is ``{"error": {"code": ..., "message": ..., "details": ...}}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from features.errors import DataError, LeadgradeError, SpecError
from models.artifact import ModelFileError
from models.registry import ModelNotFound
from models.spark import SparkUnavailable
from serving.keys import KeysUnavailable
from serving.model_checks import WarmUpFailed
from store.errors import IdempotencyConflict, LeadNotFound, StoreMissing, StoreUnwritable


class InvalidRequest(LeadgradeError):
    """The request body or a query parameter cannot be used; ``details`` names the field."""

    code = "invalid_request"


class BatchTooLarge(LeadgradeError):
    """More leads in one request than the configured limit."""

    code = "batch_too_large"


class ReportUnavailable(LeadgradeError):
    """The served model has no model report (it was trained before reports existed)."""

    code = "report_unavailable"


class ModelUnavailable(LeadgradeError):
    """No model is being served (not loaded yet, or its last load failed)."""

    code = "model_unavailable"


class ModelRefused(LeadgradeError):
    """A model version failed to load or a check before its swap; the old one keeps serving."""

    code = "model_refused"


class StoreUnavailable(LeadgradeError):
    """The lead store failed: nothing was stored, and no unstored result is returned."""

    code = "store_unavailable"


class Unauthorized(LeadgradeError):
    """No API key, or one the service does not know."""

    code = "unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": "Bearer"}


class Forbidden(LeadgradeError):
    """A valid key whose roles do not include the one the endpoint needs."""

    code = "forbidden"


class RateLimited(LeadgradeError):
    """The client sent more requests this minute than the configured limit."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.headers = {"Retry-After": str(retry_after)}


class PayloadTooLarge(LeadgradeError):
    """The request body is larger than the configured limit."""

    code = "payload_too_large"


# THE table: domain error class -> HTTP status. The only place a status is decided for a
# LeadgradeError; looked up along the class hierarchy, so a subclass inherits its parent's
# status unless it has its own row. Add a row here when you add an error the API can raise.
STATUS: dict[type[LeadgradeError], int] = {
    Unauthorized: 401,
    Forbidden: 403,
    LeadNotFound: 404,
    ReportUnavailable: 404,
    BatchTooLarge: 413,
    PayloadTooLarge: 413,
    InvalidRequest: 422,
    SpecError: 422,
    DataError: 422,
    IdempotencyConflict: 422,
    ModelRefused: 409,
    ModelFileError: 409,
    WarmUpFailed: 409,
    RateLimited: 429,
    ModelUnavailable: 503,
    ModelNotFound: 503,
    StoreUnavailable: 503,
    SparkUnavailable: 503,
    StoreUnwritable: 503,
    StoreMissing: 503,
    KeysUnavailable: 503,
}
# A LeadgradeError without a row is one the caller can act on, so it is a client error.
DEFAULT_STATUS = 400


def status_of(exc: LeadgradeError) -> int:
    """The HTTP status of a domain error, from :data:`STATUS`."""
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return DEFAULT_STATUS


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def validation_details(
    errors: Sequence[Any], prefix: Sequence[str | int] = ()
) -> list[dict[str, Any]]:
    """Pydantic errors as ``[{"field", "message", "type"}]``, the field as a dotted path."""
    out = []
    for err in errors:
        loc = [*prefix, *err["loc"]]
        if loc and loc[0] == "body":
            loc = loc[1:]
        field = ".".join(str(p) for p in loc) or "body"
        message = err["msg"].removeprefix("Value error, ")  # pydantic's prefix says nothing
        out.append({"field": field, "message": message, "type": err["type"]})
    return out


def validation_error(exc: ValidationError, prefix: Sequence[str | int] = ()) -> InvalidRequest:
    details = validation_details(exc.errors(include_url=False), prefix)
    first = details[0]
    message = f"{first['field']}: {first['message']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    return InvalidRequest(message, errors=details)


def error_response(exc: LeadgradeError) -> JSONResponse:
    """The JSON error response of a domain error, its status from :data:`STATUS`."""
    body = error_body(exc.code, exc.message, exc.details)
    return JSONResponse(body, status_code=status_of(exc), headers=getattr(exc, "headers", None))


def allowed_methods(request: Request) -> str:
    """Every method a route takes at the request's path, for a 405's ``Allow`` header.

    Starlette names only the methods of the first route whose path matches, so a path with
    two routes (GET and DELETE /v1/leads/{id}) would seem to allow one of them.
    """
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= getattr(route, "methods", None) or set()
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LeadgradeError)
    async def _domain(_: Request, exc: LeadgradeError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _request(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = validation_details(exc.errors())
        message = f"{details[0]['field']}: {details[0]['message']}" if details else "invalid"
        return error_response(InvalidRequest(message, errors=details))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's "error parsing the body": bytes that are no JSON
            message = "body: not valid JSON text in UTF-8"
            details = {"errors": [{"field": "body", "message": message, "type": "json_invalid"}]}
            return JSONResponse(error_body("invalid_request", message, details), 422)
        if exc.status_code == 405:
            allow = allowed_methods(request)
            message = f"{request.method} is not allowed here; allowed: {allow}"
            body = error_body("method_not_allowed", message, {"allow": allow})
            return JSONResponse(body, 405, headers={"Allow": allow})
        code = {404: "not_found"}.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body("internal_error", "unexpected server error"), 500)
