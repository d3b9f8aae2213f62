"""Celery, wired the way Flask's own pattern recommends: one Celery app per Flask app,
kept in app.extensions["celery"], whose tasks run inside the Flask app context.

Tasks take ids, are idempotent and acknowledged late, so a worker killed mid-task
leaves the task to another worker. Messages are JSON only, never pickle.
"""

from typing import Any

from celery import Celery, Task
from flask import Flask


def init_app(app: Flask) -> Celery:
    """Create the Celery app for this Flask app, with the periodic jobs on beat."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config["CELERY_BROKER_URL"] or app.config["REDIS_URL"] or None
    celery = Celery(app.import_name, task_cls=FlaskTask)
    celery.conf.update(
        broker_url=broker,
        result_backend=broker,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        imports=["parley.tasks.presence"],
        beat_schedule={
            "sweep-presence": {
                "task": "parley.tasks.presence.sweep_presence",
                "schedule": float(app.config["PRESENCE_SWEEP_INTERVAL"]),
                # A sweep that waited longer than an interval is superseded by the next.
                "options": {"expires": float(app.config["PRESENCE_SWEEP_INTERVAL"])},
            }
        },
    )
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
