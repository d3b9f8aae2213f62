"""Presence changes pushed to /v2 sockets, merged per socket.

A user's change goes to the sockets (held by this process) of everyone who shares a
channel with them, and to their own. Each socket gets at most one `presence` event per
PRESENCE_COALESCE_SECONDS, holding the latest state of every user that changed
meanwhile: a thousand users coming online at once is one event per socket, not a
thousand.
"""

import logging
import threading
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from parley.changes import events
from parley.extensions import db, socketio
from parley.models import Membership, User
from parley.realtime.channel_events import V2_NAMESPACE, channel_room, user_room
from parley.schemas.v2 import PresenceSchema
from parley.services import channels

log = logging.getLogger(__name__)

EXTENSION = "parley.presence_pushes"
_presence_schema = PresenceSchema()
_STATES_MAX = 100_000  # users whose pushed state a process keeps (a dict entry each)


class PresencePushes:
    """This process's pending presence pushes, per socket."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._lock = threading.Lock()
        self._pending: dict[str, dict[int, dict[str, Any]]] = {}
        self._flushing = False
        # user id -> (online, away, last seen), and that state as pushed
        self._states: dict[int, tuple[tuple[bool, bool, datetime], dict[str, Any]]] = {}

    def welcome(self, sid: str, user_id: int) -> None:
        """A socket of `user_id` joined its rooms: queue for it the presence of everyone it
        may see who is not offline (offline is what a client assumes), so that what it
        knows is whole; later changes then arrive merged, as for every socket."""
        shared = select(Membership.channel_id).where(Membership.user_id == user_id)
        present = db.session.execute(
            select(User.id, User.online, User.away, User.last_seen_at).where(
                User.online.is_(True),
                select(Membership.user_id)
                .where(Membership.user_id == User.id, Membership.channel_id.in_(shared))
                .exists(),
            )
        ).all()
        self._queue({sid}, [self._state_of(*row) for row in present])

    def _state_of(self, user_id: int, online: bool, away: bool, seen: datetime) -> dict[str, Any]:
        """A user's presence as pushed, dumped once per state: in a storm of arrivals
        every welcome lists everyone online, and dumping each of them for every socket
        was most of a connect's time."""
        state = (online, away, seen)
        known = self._states.get(user_id)
        if known is None or known[0] != state:
            if len(self._states) >= _STATES_MAX:
                self._states.clear()
            user = User(id=user_id, online=online, away=away, last_seen_at=seen)
            known = self._states[user_id] = (state, _presence_schema.dump(user))
        return known[1]

    def changed(self, user_id: int) -> None:
        """A user's presence changed: queue it for every socket here that may see it."""
        user = db.session.get(User, user_id, populate_existing=True)
        if user is None:
            return
        payload: dict[str, Any] = _presence_schema.dump(user)
        rooms = [channel_room(c) for c in channels.member_channel_ids(user_id)]
        manager = socketio.server.manager
        sids = {
            sid for sid, _ in manager.get_participants(V2_NAMESPACE, [user_room(user_id), *rooms])
        }
        self._queue(sids, [payload])

    def _queue(self, sids: set[str], payloads: list[dict[str, Any]]) -> None:
        """Queue users' states for sockets; the next flush sends each socket its own."""
        if not sids or not payloads:
            return
        with self._lock:
            for sid in sids:
                pending = self._pending.setdefault(sid, {})
                for payload in payloads:
                    pending[payload["user_id"]] = payload
            if self._flushing:
                return
            self._flushing = True
        socketio.start_background_task(self._flush_later)

    def _flush_later(self) -> None:
        socketio.sleep(self._app.config["PRESENCE_COALESCE_SECONDS"])
        with self._lock:
            batch, self._pending = self._pending, {}
            self._flushing = False
        for sid, users in batch.items():
            try:
                # Each user's state is dumped once, when it changed (PresenceUsersSchema).
                body = {"users": list(users.values())}
                socketio.emit("presence", body, to=sid, namespace=V2_NAMESPACE)
            except Exception:
                log.exception("presence push to %s failed", sid)


def presence_pushes() -> PresencePushes:
    """This app's presence pushes (made on first use)."""
    pushes: PresencePushes | None = current_app.extensions.get(EXTENSION)
    if pushes is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        pushes = current_app.extensions[EXTENSION] = PresencePushes(app)
    return pushes


def on_user_updated(event: events.UserUpdated) -> None:
    """Push a presence change; other changes of a user are read over REST."""
    if event.presence_changed:
        presence_pushes().changed(event.user_id)


SUBSCRIBER = events.Subscriber(
    "v2 presence pushes",
    on_user_updated,
    handles=events.types_where(lambda facts: facts.v2 == "presence"),
    relayed=True,
)
