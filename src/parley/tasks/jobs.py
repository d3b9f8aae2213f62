"""Asynchronous requests run here, and beat keeps the jobs table tidy."""

import logging
from collections.abc import Sequence
from datetime import timedelta

from celery import shared_task
from flask import current_app
from kombu.exceptions import OperationalError as BrokerError

from parley import job_runner
from parley.changes import unit_of_work
from parley.models.base import utcnow
from parley.services import jobs

log = logging.getLogger(__name__)


@shared_task(
    autoretry_for=job_runner.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def run_job(job_id: str) -> None:
    """Run one job's operation and store its answer; a job already done is left alone."""
    job = jobs.claim(job_id)
    if job is None:
        return
    if job.attempts > current_app.config["JOB_MAX_ATTEMPTS"]:
        jobs.finish(job, job_runner.failure_answer(job.attempts - 1))
        return
    jobs.finish(job, job_runner.execute(job))


def queue_job(job_id: str) -> None:
    """Queue the job's task, once the job row is committed: if the broker is down,
    the stalled-job sweep queues it again later, so the 202 still holds."""
    try:
        run_job.delay(job_id)
    except BrokerError:
        log.exception("job %s recorded but not queued; the stalled-job sweep will", job_id)


@shared_task
def requeue_stalled_jobs() -> int:
    """Queue again the jobs untouched for JOB_STALL_SECONDS: their task was lost
    (a broker without redelivery, a worker killed). Running a job twice is safe."""
    quiet_since = utcnow() - timedelta(seconds=current_app.config["JOB_STALL_SECONDS"])
    stalled = jobs.stalled(quiet_since)
    if stalled:
        jobs.touch(stalled)
        unit_of_work.after_commit(lambda: _queue_all(stalled))
    return len(stalled)


def _queue_all(job_ids: Sequence[str]) -> None:
    for job_id in job_ids:
        queue_job(job_id)


@shared_task
def delete_old_jobs() -> int:
    """Forget jobs finished more than JOB_RETENTION_SECONDS ago (their answers expire)."""
    retention = timedelta(seconds=current_app.config["JOB_RETENTION_SECONDS"])
    return jobs.delete_finished_before(utcnow() - retention)
