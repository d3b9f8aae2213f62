"""Presence: who is online, from when they were last seen."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import update

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
    # Only coming online is news to others; a later last_seen_at shows in updated_at.
    if came_online:
        events.publish_on_commit(events.UserUpdated(user.id, presence_changed=True))


def mark_offline(user: User) -> None:
    """Record that the user left (their socket disconnected)."""
    if not user.online:
        return
    user.online = False
    events.publish_on_commit(events.UserUpdated(user.id, presence_changed=True))


def sweep_silent(silence: timedelta) -> list[int]:
    """Set offline every online user not seen for `silence`; return their ids.

    One UPDATE decides, so sweeps running at once in several processes never
    report the same user twice.
    """
    cutoff = utcnow() - silence
    swept = list(
        db.session.scalars(
            update(User)
            .where(User.online.is_(True), User.last_seen_at < cutoff)
            .values(online=False)
            .returning(User.id)
        )
    )
    for user_id in swept:
        events.publish_on_commit(events.UserUpdated(user_id, presence_changed=True))
    return swept
