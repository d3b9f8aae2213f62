"""Presence: who is online, from when they were last seen."""

from datetime import timedelta

from flask import current_app

from parley import events
from parley.extensions import db
from parley.models import User
from parley.models.base import utcnow


def mark_seen(user: User) -> None:
    """Record that the user is active now and online.

    While the user stays online, last_seen_at is written at most once per
    PRESENCE_PING_INTERVAL seconds: one authenticated request is one ping, and a
    busy client must not turn every request into a write.
    """
    now = utcnow()
    interval = timedelta(seconds=current_app.config["PRESENCE_PING_INTERVAL"])
    if user.online and user.last_seen_at > now - interval:
        return
    came_online = not user.online
    user.online = True
    user.last_seen_at = now
    db.session.commit()
    events.publish(events.UserUpdated(user.id, presence_changed=came_online))
