"""One JSON error envelope for every transport: REST answers, socket acknowledgements
and refusals, a job's stored answer, the balancer-facing checks in front of the app.

    {"code": 400, "error": "bad request", "message": "...",
     "errors": {"nickname": ["Missing data for required field."]}}

`error` keeps Flack's body ({"error": "authentication required"} on 401);
`errors`, when present, names each field at fault and why. parley.api.errors answers
HTTP errors with it; the modules below the API (realtime, rate limits, trusted hosts,
the job runner) build it here.
"""

from typing import Any

from flask import Response, jsonify
from werkzeug.http import HTTP_STATUS_CODES

from parley.services.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    ServiceError,
    StaleCursorError,
    UnauthorizedError,
)

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


def validation_error_body(status: int, messages: Any) -> dict[str, Any]:
    """The envelope for webargs/marshmallow messages: {location: {field: [reason]}}."""
    errors = field_errors(messages)
    return error_body(status, f"Invalid input: {', '.join(sorted(errors))}.", errors)


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
