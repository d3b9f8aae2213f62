"""Every HTTP error, of every API version, answered with the one envelope
(parley.envelope)."""

import logging
from typing import Any

from flask import Flask, jsonify
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import BadRequest, HTTPException

from parley.api.converters import InvalidIdError
from parley.envelope import (
    ErrorResponse,
    error_response,
    service_error_body,
    validation_error_body,
)
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


def _validation_error(status: int, messages: Any) -> ErrorResponse:
    return jsonify(validation_error_body(status, messages)), status, {}


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
