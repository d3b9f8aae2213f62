"""Periodic presence jobs: one shared sweep for the whole cluster, not a thread per process."""

from datetime import timedelta

from celery import shared_task
from flask import current_app

from parley.services import presence


@shared_task
def sweep_presence() -> int:
    """Take offline everyone silent for PRESENCE_TIMEOUT seconds; return how many."""
    timeout = timedelta(seconds=current_app.config["PRESENCE_TIMEOUT"])
    return len(presence.sweep_silent(timeout))
