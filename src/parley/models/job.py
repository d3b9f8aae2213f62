"""Jobs: asynchronous requests, recorded as JSON and answered when a worker has run them."""

import enum
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, UTCDateTime, enum_type, utcnow

IDEMPOTENCY_KEY_MAX_LENGTH = 255
JOB_ID_LENGTH = 32  # hexadecimal characters


def new_job_id() -> str:
    """A random, unguessable id: it appears in URLs."""
    return secrets.token_hex(JOB_ID_LENGTH // 2)


class JobStatus(enum.StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # `response` holds the operation's answer, whatever its status code


class Job(Base):
    """One asynchronous request: what to run (`request`) and, once run, its `response`.

    `request` is {"operation", "method", "path", "base_url", "view_args", "body"};
    `response` is {"status", "headers", "body"} as the operation answered.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        # A retried POST with the same Idempotency-Key finds the job it started.
        UniqueConstraint("user_id", "idempotency_key"),
        Index("ix_jobs_status_updated_at", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(JOB_ID_LENGTH), primary_key=True, default=new_job_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str | None] = mapped_column(String(IDEMPOTENCY_KEY_MAX_LENGTH))
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus), default=JobStatus.QUEUED)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.status}>"
