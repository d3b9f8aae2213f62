"""The job resource: 202 while an asynchronous request waits, then its real answer.

Flack's clients poll `/tasks/status/<id>`; API v2's job URL is `/api/v2/jobs/<id>`.
Both answer the same, and only to the user who started the job.
"""

from apifairy import authenticate, other_responses
from flask import Blueprint, Response, jsonify, url_for

from parley.api.auth import any_token_auth, current_user_id
from parley.models import Job, JobStatus
from parley.schemas.jobs import job_body
from parley.services import jobs

bp = Blueprint("jobs", __name__)

# While a job waits, clients are asked to poll again after this many seconds.
RETRY_AFTER_SECONDS = 1
ANSWERS = {
    202: "Queued or running: poll the `Location` again.",
    404: "No such job, or not yours.",
}


@bp.get("/tasks/status/<job_id:job_id>")
@authenticate(any_token_auth)
@other_responses({200: "The operation's own answer, replayed.", **ANSWERS})
def v1_status(job_id: str) -> Response:
    """Where an API v1 asynchronous request stands (Flack's status URL)."""
    return answer(jobs.job_of(current_user_id(), job_id), "jobs.v1_status")


@bp.get("/api/v2/jobs/<job_id:job_id>")
@authenticate(any_token_auth)
@other_responses({200: "The operation's own answer, replayed.", **ANSWERS})
def get_job(job_id: str) -> Response:
    """Where an asynchronous request stands; once done, its own answer."""
    return answer(jobs.job_of(current_user_id(), job_id), "jobs.get_job")


def answer(job: Job, endpoint: str) -> Response:
    """The stored answer of a finished job, else 202 pointing back here."""
    if job.status == JobStatus.DONE and job.response is not None:
        replay = Response(job.response["body"], status=job.response["status"])
        for name, value in job.response["headers"]:
            replay.headers[name] = value
        return replay
    location = url_for(endpoint, job_id=job.id, _external=True)
    pending = jsonify(job_body(job, location))
    pending.status_code = 202
    pending.headers["Location"] = location
    pending.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return pending
