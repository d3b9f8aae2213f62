"""The asynchronous-request pattern: a view answers 202 + Location, a worker runs it.

    @bp.post("/messages")
    @authenticate(token_auth)        # in the web request: who asks
    @json_body(message_schema)       # in the web request: is the body valid
    @async_request("jobs.v1_status") # records the job, answers 202
    @response(message_schema, 201)   # in the worker, with the view itself
    def new_message(data): ...

The job is plain JSON (operation, method, path, validated body, view arguments,
user id), never a pickled WSGI environ. The worker rebuilds a request context
from it, runs the view with its error handlers and after-request hooks, and
stores the real answer (status, headers, body) for the job resource to replay.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, g, request, url_for
from flask.typing import ResponseReturnValue
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError

from parley.api.auth import current_user
from parley.api.errors import error_response
from parley.extensions import db
from parley.models import Job, User
from parley.models.job import IDEMPOTENCY_KEY_MAX_LENGTH
from parley.rate_limits import per_user
from parley.schemas.jobs import job_body
from parley.services import jobs
from parley.services.errors import ConflictError

log = logging.getLogger(__name__)

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Transient: the task is retried with backoff instead of storing an error as the answer.
TRANSIENT_ERRORS = (OperationalError, RedisError)
# Headers the job resource sets itself on every answer.
_NOT_REPLAYED = {"content-length"}

_operations: dict[str, Callable[..., Any]] = {}

View = Callable[..., Any]


def async_request(status_endpoint: str) -> Callable[[View], View]:
    """Run the decorated view in a worker; answer 202 with the job at `status_endpoint`."""

    def decorator(view: View) -> View:
        name = f"{view.__module__}.{view.__qualname__}"
        _operations[name] = view

        @wraps(view)
        def queue(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            key = request.headers.get(IDEMPOTENCY_HEADER)
            if key is not None and not _valid_key(key):
                reason = f"Must be 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} visible ASCII characters."
                return error_response(400, reason, {IDEMPOTENCY_HEADER: [reason]})
            job_request = {
                "operation": name,
                "method": request.method,
                "path": request.path,
                "base_url": request.host_url,
                "view_args": kwargs,
                "body": args[0] if args else None,
            }
            try:
                job, created = jobs.start_job(current_user(), job_request, key)
            except ConflictError as error:
                return error_response(422, error.reason, {error.field: [error.reason]})
            if created:
                enqueue(job.id)
            location = url_for(status_endpoint, job_id=job.id, _external=True)
            return job_body(job, location), 202, {"Location": location}

        return per_user("job")(queue)

    return decorator


def enqueue(job_id: str) -> None:
    """Queue the job's task. The job row is already committed: if the broker is down,
    the stalled-job sweep queues it again later, so the 202 still holds."""
    from parley.tasks.jobs import run_job

    try:
        run_job.delay(job_id)
    except BrokerError:
        log.exception("job %s recorded but not queued; the stalled-job sweep will", job_id)


def operation_key() -> str | None:
    """Inside a job, a key for the operation's writes, so that a re-run (the worker
    died after the write) finds the first write instead of making a second."""
    job_id: str | None = g.get("parley_job_id")
    return f"job:{job_id}" if job_id else None


def execute(job: Job) -> dict[str, Any]:
    """Run the job's view as its request would have; return the answer to store."""
    spec = job.request
    view = _operations[spec["operation"]]
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.test_request_context(spec["path"], method=spec["method"], base_url=spec["base_url"]):
        g.flask_httpauth_user = db.session.get(User, job.user_id)
        g.parley_job_id = job.id
        body = () if spec["body"] is None else (spec["body"],)
        try:
            response = app.make_response(view(*body, **spec["view_args"]))
        except TRANSIENT_ERRORS:
            db.session.rollback()
            raise
        except Exception as error:  # the view's own errors become its answer, as in a request
            db.session.rollback()
            response = app.make_response(_error_answer(app, error))
        response = app.process_response(response)
        return {
            "status": response.status_code,
            "headers": [[k, v] for k, v in response.headers if k.lower() not in _NOT_REPLAYED],
            "body": response.get_data(as_text=True),
        }


def failure_answer(attempts: int) -> dict[str, Any]:
    """What a job answers when every attempt failed."""
    message = f"The job failed after {attempts} attempts."
    response = current_app.make_response(error_response(500, message))
    return {
        "status": 500,
        "headers": [["Content-Type", response.mimetype]],
        "body": response.get_data(as_text=True),
    }


def _error_answer(app: Any, error: Exception) -> ResponseReturnValue:
    try:
        answer: ResponseReturnValue = app.handle_user_exception(error)
    except Exception:
        log.exception("job view failed")
        return error_response(500)
    return answer


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH and key.isascii() and key.isprintable()
