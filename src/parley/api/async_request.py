"""The asynchronous-request pattern: a view answers 202 + Location, a worker runs it.

    @bp.post("/messages")
    @authenticate(token_auth)        # in the web request: who asks
    @json_body(message_schema)       # in the web request: is the body valid
    @async_request("jobs.v1_status") # records the job, answers 202
    @response(message_schema, 201)   # in the worker, with the view itself
    def new_message(data): ...

How the worker runs the view is parley.job_runner; the task that does it is
parley.tasks.jobs.run_job.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue

from parley import job_runner
from parley.api.auth import current_user_id
from parley.api.route_limits import per_user
from parley.changes import unit_of_work
from parley.envelope import error_response
from parley.models.job import IDEMPOTENCY_KEY_MAX_LENGTH
from parley.schemas.jobs import job_body
from parley.services import jobs
from parley.services.errors import ConflictError
from parley.tasks.jobs import queue_job

IDEMPOTENCY_HEADER = "Idempotency-Key"

View = Callable[..., Any]


def async_request(status_endpoint: str) -> Callable[[View], View]:
    """Run the decorated view in a worker; answer 202 with the job at `status_endpoint`."""

    def decorator(view: View) -> View:
        name = job_runner.register(view)

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
                job, created = jobs.start_job(current_user_id(), job_request, key)
            except ConflictError as error:
                return error_response(422, error.reason, {error.field: [error.reason]})
            if created:  # once the job row is committed, or the task could miss it
                job_id = job.id
                unit_of_work.after_commit(lambda: queue_job(job_id))
            location = url_for(status_endpoint, job_id=job.id, _external=True)
            return job_body(job, location), 202, {"Location": location}

        return per_user("job")(queue)

    return decorator


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= IDEMPOTENCY_KEY_MAX_LENGTH and key.isascii() and key.isprintable()
