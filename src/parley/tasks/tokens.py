"""Periodic token clean-up on beat."""

from datetime import timedelta

from celery import shared_task
from flask import current_app

from parley.models.base import utcnow
from parley.services import tokens


@shared_task
def delete_dead_tokens() -> int:
    """Delete tokens dead (revoked or expired) for longer than TOKEN_RETENTION_SECONDS."""
    retention = timedelta(seconds=current_app.config["TOKEN_RETENTION_SECONDS"])
    return tokens.delete_dead_before(utcnow() - retention)
