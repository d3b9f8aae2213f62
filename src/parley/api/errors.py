"""One JSON error envelope for every API version.

    {"code": 400, "error": "bad request", "message": "...",
     "errors": {"nickname": ["Missing data for required field."]}}

`error` keeps Flack's body ({"error": "authentication required"} on 401);
`errors`, when present, names each field at fault and why.
"""

import logging
from typing import Any

from flask import Flask, Response, jsonify
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from parley.api.converters import InvalidIdError
from parley.extensions import apifairy
from parley.services.errors import (
    BusyError,
    ClientLeftError,
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    ServiceError,
    StaleCursorError,
    UnauthorizedError,
)

log = logging.getLogger(__name__)

FieldErrors = dict[str, list[str]]
ErrorResponse = tuple[Response, int, dict[str, str]]


def error_body(
    status: int, message: str | None = None, errors: FieldErrors | None = None
) -> dict[str, Any]:
    """The envelope for a status, with an optional human message and field errors."""
    reason = HTTP_STATUS_CODES.get(status, "error")
    body: dict[str, Any] = {
        "code": status,
        "error": "authentication required" if status == 401 else reason.lower(),
        "message": message or reason,
    }
    if errors:
        body["errors"] = errors
    return body


def error_response(
    status: int,
    message: str | None = None,
    errors: FieldErrors | None = None,
    headers: dict[str, str] | None = None,
) -> ErrorResponse:
    """The envelope as an HTTP response."""
    return jsonify(error_body(status, message, errors)), status, headers or {}


def field_errors(messages: Any) -> FieldErrors:
    """Flatten webargs' {location: {field: [...]}} into {field: [...]}.

    A message about the body as a whole (not valid JSON, not an object) is filed
    under "body".
    """
    flat: FieldErrors = {}
    for location_errors in (messages or {}).values():
        if isinstance(location_errors, list):
            flat.setdefault("body", []).extend(str(m) for m in location_errors)
            continue
        for field, reasons in location_errors.items():
            name = "body" if field == "_schema" else str(field)
            flat.setdefault(name, []).extend(_reasons(reasons))
    return flat


def _reasons(reasons: Any) -> list[str]:
    if isinstance(reasons, dict):  # nested schema: name the inner fields too
        return [f"{key}: {text}" for key, value in reasons.items() for text in _reasons(value)]
    if isinstance(reasons, list):
        return [str(r) for r in reasons]
    return [str(reasons)]


class FieldError(BadRequest):
    """A 400 naming a field and the reason, for a check no schema can make."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.data = {"messages": {"json": {field: [reason]}}}  # as webargs reports


def _http_error(error: HTTPException) -> ErrorResponse:
    status = error.code or 500
    messages = getattr(error, "data", {}).get("messages")  # set by webargs on invalid JSON
    headers = {k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")}
    if status >= 500:
        return error_response(status, headers=headers)
    if messages:
        return _validation_error(status, messages)
    return error_response(status, error.description, headers=headers)


def _invalid_id(error: InvalidIdError) -> ErrorResponse:
    return error_response(404, error.description, {"id": [error.reason]})


def validation_error_body(status: int, messages: Any) -> dict[str, Any]:
    """The envelope for webargs/marshmallow messages: {location: {field: [reason]}}."""
    errors = field_errors(messages)
    return error_body(status, f"Invalid input: {', '.join(sorted(errors))}.", errors)


def _validation_error(status: int, messages: Any) -> ErrorResponse:
    return jsonify(validation_error_body(status, messages)), status, {}


def service_error_body(error: ServiceError) -> tuple[dict[str, Any], int]:
    """The envelope and status REST answers a service error with (for socket acks)."""
    if isinstance(error, ConflictError):
        return error_body(409, error.reason, {error.field: [error.reason]}), 409
    if isinstance(error, InvalidError):
        return error_body(400, error.reason, {error.field: [error.reason]}), 400
    if isinstance(error, StaleCursorError):
        return error_body(410, error.message, {"after": ["Too old: resync."]}), 410
    status = _SERVICE_ERROR_STATUS.get(type(error), 400)
    return error_body(status, error.message), status


_SERVICE_ERROR_STATUS: dict[type[ServiceError], int] = {
    UnauthorizedError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
}


def _service_error(error: ServiceError) -> ErrorResponse:
    body, status = service_error_body(error)
    return jsonify(body), status, {}


def _busy(error: BusyError) -> ErrorResponse:
    return error_response(503, error.message, headers={"Retry-After": str(error.retry_after)})


def _unauthorized(error: UnauthorizedError) -> ErrorResponse:
    return error_response(401, error.message, headers={"WWW-Authenticate": "Bearer"})


def conflict_response(error: ConflictError, status: int) -> ErrorResponse:
    """A conflict names its field; each API version chooses the status."""
    return error_response(status, error.reason, {error.field: [error.reason]})


def _database_unavailable(error: OperationalError) -> ErrorResponse:
    log.error("database unavailable: %s", error)
    return error_response(503, "The database is unavailable; try again shortly.")


def _pool_exhausted(error: PoolTimeout) -> ErrorResponse:
    log.warning("no database connection free: %s", error)
    return error_response(
        503, "The server is busy; try again shortly.", headers={"Retry-After": "2"}
    )


def _store_unavailable(error: RedisError) -> ErrorResponse:
    log.error("redis unavailable: %s", error)
    return error_response(503, "A shared store is unavailable; try again shortly.")


def register_error_handlers(app: Flask) -> None:
    """Answer every error, of every version, with the JSON envelope."""
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InvalidIdError, _invalid_id)
    for error in (NotFoundError, ForbiddenError, StaleCursorError, InvalidError, ClientLeftError):
        app.register_error_handler(error, _service_error)
    app.register_error_handler(BusyError, _busy)
    app.register_error_handler(UnauthorizedError, _unauthorized)
    app.register_error_handler(ConflictError, lambda error: conflict_response(error, 409))
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(PoolTimeout, _pool_exhausted)
    app.register_error_handler(RedisError, _store_unavailable)
    apifairy.error_handler(_validation_error)
