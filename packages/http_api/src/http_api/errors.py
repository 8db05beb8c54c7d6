"""One error shape for every failure: ``{"error": {"code", "message", "details"}}``.

Domain errors map to HTTP statuses only through booking_core's ``ERROR_HTTP_STATUS`` table.
Framework errors (validation, unknown routes, wrong methods) and an unreachable database are
translated here too, so no client ever sees FastAPI's default ``{"detail": ...}`` body, and
nothing a client sends produces a 500.
"""

from __future__ import annotations

import re
from typing import Any

from booking_core import (
    ERROR_HTTP_STATUS,
    BookingError,
    RateLimited,
    ServiceUnavailable,
    loggable,
)
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from loguru import logger
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable machine-readable code, e.g. `slot_unavailable`.")
    message: str = Field(description="A sentence that can be shown to the client as is.")
    details: dict[str, Any] = Field(
        default_factory=dict,
        description="Extra facts: `alternatives` for slot_unavailable, `fields` for "
        "validation_error, `retry_after` for rate_limited, `part` (0-based) for the part of a "
        "visit that failed, `appointments` for the bookings in the way of an admin change.",
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


def error_json(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JSONResponse(body, status_code=status, headers=headers)


def booking_error_response(error: BookingError) -> JSONResponse:
    status = ERROR_HTTP_STATUS.get(error.code, error.http_status)
    headers = None
    if isinstance(error, RateLimited):
        headers = {"Retry-After": str(error.details.get("retry_after", 60))}
    elif isinstance(error, ServiceUnavailable):
        headers = {"Retry-After": "5"}
    return error_json(status, error.code, error.message, error.details, headers)


# --- OpenAPI: which statuses an endpoint declares, with this schema and an example ------------
_DESCRIPTIONS = {
    401: "Missing or wrong bearer token.",
    404: "Not found (also: a wrong or missing manage token, exactly like an unknown id).",
    409: "Conflict with the current state (slot taken, overlap, limits, key reuse).",
    410: "Gone: a waitlist offer that has expired.",
    413: "The request body is larger than the server reads (BOOKING_MAX_BODY_BYTES).",
    422: "Invalid input, or a booking rule refuses it (past, too soon, outside hours...).",
    429: "Too many requests from this address; see Retry-After.",
    503: "The database cannot be reached; try again shortly.",
}

_EXAMPLES: dict[int, dict[str, Any]] = {
    410: {
        "code": "offer_expired",
        "message": "This offer has expired. You are still on the waitlist for the next one.",
        "details": {},
    },
    413: {
        "code": "payload_too_large",
        "message": "The request is too large (at most 64 KB).",
        "details": {"limit_bytes": 65536},
    },
    401: {
        "code": "unauthorized",
        "message": "A valid access token is required.",
        "details": {},
    },
    404: {
        "code": "not_found",
        "message": "We could not find that appointment.",
        "details": {"resource": "appointment"},
    },
    409: {
        "code": "slot_unavailable",
        "message": "This time slot is no longer available. Please choose another time.",
        "details": {
            "alternatives": [
                {
                    "start": "2026-12-01T10:15:00-06:00",
                    "end": "2026-12-01T10:45:00-06:00",
                    "provider_id": 1,
                    "provider_name": "Dr. Maya Patel",
                }
            ]
        },
    },
    422: {
        "code": "validation_error",
        "message": "Some of the information is missing or not valid.",
        "details": {"fields": {"client.phone": "Field required"}},
    },
    429: {
        "code": "rate_limited",
        "message": "Too many requests. Please wait a minute and try again.",
        "details": {"retry_after": 42},
    },
    503: {
        "code": "service_unavailable",
        "message": ServiceUnavailable.default_message,
        "details": {},
    },
}


#: Codes only the AI receptionist's tools answer (caller verification over MCP): no route of this
#: API raises them, so its OpenAPI descriptions leave them out.
MCP_ONLY_CODES = frozenset({"verification_required", "verification_failed"})


def _codes_for(status: int) -> list[str]:
    return sorted(
        code
        for code, mapped in ERROR_HTTP_STATUS.items()
        if mapped == status and code not in MCP_ONLY_CODES
    )


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry declaring these error statuses with the error schema."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted(set(statuses)):
        codes = _codes_for(status)
        description = _DESCRIPTIONS.get(status, "Error.")
        if codes:
            description += " Codes: " + ", ".join(f"`{c}`" for c in codes) + "."
        entry: dict[str, Any] = {"model": ErrorBody, "description": description}
        if status in _EXAMPLES:
            entry["content"] = {"application/json": {"example": {"error": _EXAMPLES[status]}}}
        if status == 429:
            entry["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "schema": {"type": "integer"},
                }
            }
        responses[status] = entry
    return responses


def _openapi_error_entry(status: int) -> dict[str, Any]:
    entry = error_responses(status)[status]
    content: dict[str, Any] = {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
    content.update(entry.get("content", {}).get("application/json", {}))
    return {"description": entry["description"], "content": {"application/json": content}}


def normalize_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """Make the generated document tell the truth about errors, for every router (ours and the
    other routers included in the app):

    - FastAPI's default 422 (``HTTPValidationError``, a ``{detail}`` body we never send) becomes
      the error schema;
    - every ``/api/`` operation declares 503 (the database can always be unreachable).
    """
    components = document.setdefault("components", {}).setdefault("schemas", {})
    if "ErrorBody" not in components:
        schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(schema.pop("$defs", {}))
        components["ErrorBody"] = schema
    default_422 = {"$ref": "#/components/schemas/HTTPValidationError"}
    for path, item in document.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            unprocessable = responses.get("422", {})
            schema = unprocessable.get("content", {}).get("application/json", {}).get("schema")
            if schema == default_422:
                responses["422"] = _openapi_error_entry(422)
            if path.startswith("/api/") and "503" not in responses:
                responses["503"] = _openapi_error_entry(503)
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return document


#: What any endpoint that reads the database can answer.
READ_ERRORS = (503,)
#: What an endpoint with parameters or a body can answer besides.
INPUT_ERRORS = (422, 503)
#: Writes: a transaction that keeps conflicting ends as a 409.
WRITE_ERRORS = (409, 422, 503)
ADMIN_ERRORS = (401,)


# --- handlers ---------------------------------------------------------------------------------
def _field_name(location: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in location]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def validation_fields(errors: list[Any]) -> dict[str, str]:
    """``{field: reason}``: the offending fields, never the submitted values (they may be PII)."""
    fields: dict[str, str] = {}
    for error in errors:
        location = error.get("loc", ())
        if error.get("type") == "json_invalid":
            fields["body"] = "not valid JSON"
            continue
        fields.setdefault(_field_name(location), str(error.get("msg", "invalid")))
    return fields


async def _on_booking_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, BookingError)
    return booking_error_response(error)


async def _on_validation_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    return error_json(
        422,
        "validation_error",
        "Some of the information is missing or not valid.",
        {"fields": validation_fields(list(error.errors()))},
    )


_HTTP_CODES = {
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
}


def _allowed_methods(request: Request) -> str | None:
    """Every method some operation of this path accepts, from the OpenAPI document (Starlette
    names only the first route's, and a path often has a GET route and a PUT route)."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods |= {method.upper() for method in operations}
    return ", ".join(sorted(methods)) if methods else None


async def _on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 405:
        headers = dict(error.headers or {})
        allowed = _allowed_methods(request)
        if allowed:
            headers["Allow"] = allowed
        code, message = _HTTP_CODES[405]
        return error_json(405, code, message, {}, headers)
    if error.status_code == 400:
        # FastAPI's "error parsing the body" (e.g. bytes that are not UTF-8): malformed input,
        # answered like malformed JSON.
        return error_json(
            422,
            "validation_error",
            "Some of the information is missing or not valid.",
            {"fields": {"body": "could not be read: send UTF-8 JSON"}},
        )
    code, message = _HTTP_CODES.get(error.status_code, ("http_error", str(error.detail)))
    if error.status_code not in _HTTP_CODES and isinstance(error.detail, str):
        message = error.detail
    return error_json(error.status_code, code, message, {}, dict(error.headers or {}))


async def _on_database_error(_request: Request, error: Exception) -> JSONResponse:
    # booking_core already turns an unreachable database into ServiceUnavailable; this catches
    # one that fails outside a unit of work (a connection dropped mid-request).
    logger.error("database error: {}", str(error).splitlines()[0][:200])
    return booking_error_response(ServiceUnavailable())


async def _on_overflow(_request: Request, _error: Exception) -> JSONResponse:
    # Dates at the very end of the calendar (year 9999 plus a few days) overflow datetime maths.
    return error_json(
        422,
        "validation_error",
        "That date is out of range.",
        {"fields": {"date": "out of range"}},
    )


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.opt(exception=error).error(
        "unhandled error on {} {}: {}",
        request.method,
        loggable(request.url.path, limit=300),
        type(error).__name__,
    )
    return error_json(
        500,
        "internal_error",
        "Something went wrong on our side. Please try again or call us.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(BookingError, _on_booking_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(sa_exc.OperationalError, _on_database_error)
    app.add_exception_handler(sa_exc.InterfaceError, _on_database_error)
    # The connection pool stayed exhausted for its whole timeout: overloaded, try again.
    app.add_exception_handler(sa_exc.TimeoutError, _on_database_error)
    app.add_exception_handler(OverflowError, _on_overflow)
    app.add_exception_handler(Exception, _on_unexpected)
