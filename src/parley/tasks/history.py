"""Periodic pruning of the channel event log and the outbox on beat."""

from datetime import timedelta

from celery import shared_task
from flask import current_app

from parley.changes import outbox
from parley.models.base import utcnow
from parley.services import history


@shared_task
def prune_channel_events() -> int:
    """Delete events older than CHANNEL_EVENT_RETENTION_SECONDS; older cursors resync."""
    retention = timedelta(seconds=current_app.config["CHANNEL_EVENT_RETENTION_SECONDS"])
    return history.prune_before(utcnow() - retention)


@shared_task
def prune_outbox() -> int:
    """Delete outbox rows older than OUTBOX_RETENTION_SECONDS: every relay has read them."""
    retention = timedelta(seconds=current_app.config["OUTBOX_RETENTION_SECONDS"])
    return outbox.prune_before(utcnow() - retention)
