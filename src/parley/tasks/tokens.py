"""Periodic clean-up of tokens and of the sockets they opened, on beat."""

from datetime import timedelta

from celery import shared_task
from flask import current_app

from parley.models.base import utcnow
from parley.services import sockets, tokens


@shared_task
def delete_dead_tokens() -> int:
    """Delete tokens dead (revoked or expired) for longer than TOKEN_RETENTION_SECONDS."""
    retention = timedelta(seconds=current_app.config["TOKEN_RETENTION_SECONDS"])
    return tokens.delete_dead_before(utcnow() - retention)


@shared_task
def forget_ended_sockets() -> int:
    """Forget /v2 sockets whose sign-in has ended, such as those of a killed instance."""
    return sockets.forget_ended(utcnow())
