"""Running an asynchronous request's view in a worker, as its request would have.

The job is plain JSON (operation, method, path, validated body, view arguments, user
id), never a pickled WSGI environ. The worker rebuilds a request context from it, runs
the view with its error handlers and after-request hooks, and keeps the real answer
(status, headers, body) for the job resource to replay. The web side (the
@async_request decorator) and the worker (tasks/jobs.py) both import this module;
neither imports the other's package.
"""

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app, g
from flask.typing import ResponseReturnValue
from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError

from parley.envelope import error_response
from parley.extensions import db
from parley.models import Job, User

log = logging.getLogger(__name__)

# Transient: the task is retried with backoff instead of storing an error as the answer.
TRANSIENT_ERRORS = (OperationalError, RedisError)
# Headers the job resource sets itself on every answer.
_NOT_REPLAYED = {"content-length"}

_operations: dict[str, Callable[..., Any]] = {}


def register(view: Callable[..., Any]) -> str:
    """Make a view runnable by jobs; the operation name a job records."""
    name = f"{view.__module__}.{view.__qualname__}"
    _operations[name] = view
    return name


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
        else:
            if response.status_code >= 400:  # a failed request's writes are not kept
                db.session.rollback()
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
