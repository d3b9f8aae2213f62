"""Jobs: asynchronous requests, from the 202 to the stored answer."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from parley.changes import events
from parley.extensions import db
from parley.models import Job, JobStatus
from parley.models.base import utcnow
from parley.services.errors import ConflictError, NotFoundError
from parley.services.races import insert_or_find


def start_job(
    user_id: int, request: dict[str, Any], idempotency_key: str | None = None
) -> tuple[Job, bool]:
    """Record a queued job (and True); a key this user already used returns that job.

    The same key with a different request is a ConflictError: replaying another
    request's answer would be wrong.
    """
    if idempotency_key is not None:
        existing = _find_by_key(user_id, idempotency_key)
        if existing is not None:
            return _same_request(existing, request), False

    def record() -> Job:
        job = Job(user_id=user_id, idempotency_key=idempotency_key, request=request)
        db.session.add(job)
        db.session.flush()
        return job

    def retried_meanwhile() -> Job | None:
        # A concurrent retry with the same key won the unique index.
        return _find_by_key(user_id, idempotency_key) if idempotency_key else None

    job, created = insert_or_find(record, retried_meanwhile)
    return (job, True) if created else (_same_request(job, request), False)


def job_of(user_id: int, job_id: str) -> Job:
    """The user's own job; anyone else's is as unknown as a job that never was."""
    job = db.session.get(Job, job_id)
    if job is None or job.user_id != user_id:
        raise NotFoundError(f"job {job_id} not found")
    return job


def claim(job_id: str) -> Job | None:
    """Mark a job running for one more attempt; None if it is unknown or already done."""
    claimed = db.session.scalar(
        update(Job)
        .where(Job.id == job_id, Job.status != JobStatus.DONE)
        .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, updated_at=utcnow())
        .returning(Job)
    )
    # Its own unit: an attempt counts even when the worker dies during it.
    db.session.commit()
    return claimed


def finish(job: Job, response: dict[str, Any]) -> None:
    """Store the operation's answer; the job is done, and its owner is told."""
    job.response = response
    job.status = JobStatus.DONE
    job.finished_at = utcnow()
    events.publish_on_commit(events.JobFinished(job.id, job.user_id))


def stalled(older_than: datetime) -> Sequence[str]:
    """Ids of unfinished jobs untouched since `older_than`: their task may be lost."""
    return db.session.scalars(
        select(Job.id).where(Job.status != JobStatus.DONE, Job.updated_at < older_than)
    ).all()


def touch(job_ids: Sequence[str]) -> None:
    """Note that these jobs were queued again, so one sweep does not requeue them twice."""
    db.session.execute(update(Job).where(Job.id.in_(job_ids)).values(updated_at=utcnow()))


def delete_finished_before(moment: datetime) -> int:
    """Forget the answers of jobs finished before `moment`; return how many."""
    deleted = db.session.execute(delete(Job).where(Job.finished_at < moment))
    return int(deleted.rowcount)  # type: ignore[attr-defined]


def _find_by_key(user_id: int, key: str) -> Job | None:
    return db.session.scalar(select(Job).where(Job.user_id == user_id, Job.idempotency_key == key))


def _same_request(job: Job, request: dict[str, Any]) -> Job:
    if job.request != request:
        raise ConflictError("Idempotency-Key", "was already used for a different request")
    return job
