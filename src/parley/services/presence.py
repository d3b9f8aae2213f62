"""Presence: online, away or offline, and when a user was last seen and last active.

Seen: any sign of the user's client (an authenticated request, a socket's connection or
heartbeat). Active: the person at it (input in the browser client, any request). A user
is online while seen within PRESENCE_TIMEOUT, away while seen but not active for
PRESENCE_AWAY_SECONDS, and offline after. Only changes of that state are events (a
UserUpdated with presence_changed): a client that reconnects within the timeout changes
nothing, so a reconnect storm is no presence storm.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import update

from parley.changes import events
from parley.extensions import db
from parley.models import User
from parley.models.base import utcnow
from parley.services.errors import UnauthorizedError


def seen(user_id: int, *, active: bool) -> None:
    """A user's client is there (a socket's heartbeat), and the user at it if `active`."""
    user = db.session.get(User, user_id)
    if user is None:
        raise UnauthorizedError("This session has ended; connect again.")
    mark_seen(user, active=active)


def mark_seen(user: User, *, active: bool = True) -> None:
    """Record that the user's client is there (and the user at it, if `active`).

    While nothing changes, the timestamps are written at most once per
    PRESENCE_PING_INTERVAL seconds: one authenticated request is one ping, and a busy
    client must not turn every request into a write.
    """
    now = utcnow()
    interval = timedelta(seconds=current_app.config["PRESENCE_PING_INTERVAL"])
    changes = not user.online or (active and user.away)
    fresh = user.last_seen_at > now - interval and (
        not active or (user.last_active_at is not None and user.last_active_at > now - interval)
    )
    if fresh and not changes:
        return
    user.online = True
    user.last_seen_at = now
    if active:
        user.away = False
        user.last_active_at = now
    if changes:  # coming online, or back: news to others; the rest shows in updated_at
        events.publish_on_commit(events.UserUpdated(user.id, presence_changed=True))


def mark_offline(user_id: int) -> None:
    """Record that the user left (their Flack socket disconnected); a user deleted
    meanwhile is no news."""
    user = db.session.get(User, user_id)
    if user is None or not user.online:
        return
    user.online = user.away = False
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
            .values(online=False, away=False)
            .returning(User.id)
        )
    )
    for user_id in swept:
        events.publish_on_commit(events.UserUpdated(user_id, presence_changed=True))
    return swept


def sweep_idle(idleness: timedelta) -> list[int]:
    """Set away every online user not active for `idleness`; return their ids."""
    cutoff = utcnow() - idleness
    idle = list(
        db.session.scalars(
            update(User)
            .where(
                User.online.is_(True),
                User.away.is_(False),
                User.last_active_at.is_not(None),
                User.last_active_at < cutoff,
            )
            .values(away=True)
            .returning(User.id)
        )
    )
    for user_id in idle:
        events.publish_on_commit(events.UserUpdated(user_id, presence_changed=True))
    return idle
