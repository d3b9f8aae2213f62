"""Periodic presence jobs: one shared sweep for the whole cluster, not a thread per process."""

from datetime import timedelta

from celery import shared_task
from flask import current_app

from parley.services import presence


@shared_task
def sweep_presence() -> int:
    """Take offline everyone silent for PRESENCE_TIMEOUT seconds, and set away everyone
    not active for PRESENCE_AWAY_SECONDS; return how many changed."""
    config = current_app.config
    offline = presence.sweep_silent(timedelta(seconds=config["PRESENCE_TIMEOUT"]))
    away = presence.sweep_idle(timedelta(seconds=config["PRESENCE_AWAY_SECONDS"]))
    return len(offline) + len(away)
