"""In-process stand-ins for a worker, for fast tests of asynchronous routes.

Tests about the worker itself start real Celery workers (tests/e2e, tests/cluster).
"""

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from parley.extensions import db
from parley.models import Job, JobStatus
from parley.tasks.jobs import run_job


def run_queued_jobs() -> int:
    """Do a worker's work here: run every unfinished job; return how many."""
    job_ids = db.session.scalars(select(Job.id).where(Job.status != JobStatus.DONE)).all()
    db.session.commit()
    for job_id in job_ids:
        run_job(job_id)
    # The jobs ran in their own app context and session; the test's session must not
    # keep showing the rows as they were before.
    db.session.expire_all()
    return len(job_ids)


def answer(client: FlaskClient, accepted: TestResponse, headers: dict[str, str]) -> TestResponse:
    """The final answer of an asynchronous request: run its job, then GET its Location."""
    assert accepted.status_code == 202, (accepted.status_code, accepted.get_data(as_text=True))
    run_queued_jobs()
    return client.get(accepted.headers["Location"], headers=headers)
