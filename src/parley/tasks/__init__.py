"""Celery, wired the way Flask's own pattern recommends: one Celery app per Flask app,
kept in app.extensions["celery"], whose tasks run inside the Flask app context.

Tasks take ids, are idempotent and acknowledged late, so a worker killed mid-task
leaves the task to another worker. Messages are JSON only, never pickle.
"""

from typing import Any

from celery import Celery, Task
from flask import Flask
from kombu.entity import Queue

from parley.extensions import db
from parley.redis_urls import for_kombu

# Without Redis, tasks queue in this process (the tests; `parley serve` always has Redis).
IN_PROCESS = "memory://"


def init_app(app: Flask) -> Celery:
    """Create the Celery app for this Flask app, with the periodic jobs on beat."""

    class FlaskTask(Task):  # type: ignore[misc]
        """A task in the app context, as one unit of work: committed when it returns,
        rolled back when it raises (and is retried, or fails)."""

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    raise
                db.session.commit()
                return result

    broker_url = app.config["CELERY_BROKER_URL"] or for_kombu(app.config["REDIS_URL"]) or IN_PROCESS
    visibility = app.config["CELERY_VISIBILITY_TIMEOUT"]
    transport_options: dict[str, Any] = {
        # Redis redelivers a task whose worker died unacknowledged after this long,
        # looking for such tasks every tenth of it (at most every 10 s).
        "visibility_timeout": visibility,
        "unacked_restore_interval": max(1, min(10, visibility // 10)),
        "unacked_restore_throttle": 1,
    }
    celery = Celery(app.import_name, task_cls=FlaskTask)
    jobs, previews = app.config["CELERY_QUEUE"], app.config["CELERY_PREVIEW_QUEUE"]
    celery.conf.update(
        broker_url=broker_url,
        broker_transport_options=transport_options,
        task_default_queue=jobs,
        # A worker consumes both unless told otherwise (-Q, -X): serve and cluster run
        # one worker for each, so a slow page cannot hold up the jobs.
        task_queues=[Queue(jobs), Queue(previews)],
        task_routes={"parley.tasks.previews.preview_links": {"queue": previews}},
        task_soft_time_limit=app.config["CELERY_TASK_SOFT_TIME_LIMIT"],
        task_time_limit=app.config["CELERY_TASK_TIME_LIMIT"],
        # Answers live in the jobs table, not in a result backend.
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        imports=[
            "parley.tasks.presence",
            "parley.tasks.jobs",
            "parley.tasks.tokens",
            "parley.tasks.history",
            "parley.tasks.previews",
        ],
        beat_schedule=_beat_schedule(app),
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def _beat_schedule(app: Flask) -> dict[str, dict[str, Any]]:
    """The periodic jobs. Each expires after its interval: a late run is superseded."""
    every = {
        "parley.tasks.presence.sweep_presence": app.config["PRESENCE_SWEEP_INTERVAL"],
        "parley.tasks.jobs.requeue_stalled_jobs": app.config["CLEANUP_INTERVAL"],
        "parley.tasks.jobs.delete_old_jobs": app.config["CLEANUP_INTERVAL"],
        "parley.tasks.tokens.delete_dead_tokens": app.config["CLEANUP_INTERVAL"],
        "parley.tasks.tokens.forget_ended_sockets": app.config["CLEANUP_INTERVAL"],
        "parley.tasks.history.prune_channel_events": app.config["CLEANUP_INTERVAL"],
        "parley.tasks.history.prune_outbox": app.config["CLEANUP_INTERVAL"],
    }
    return {
        task.rsplit(".", 1)[1]: {
            "task": task,
            "schedule": float(seconds),
            "options": {"expires": float(seconds)},
        }
        for task, seconds in every.items()
    }
