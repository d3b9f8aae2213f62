"""Typing indicators: hints, never stored, sent to a channel's other members on every
instance through Redis pub/sub, and the first thing dropped for a socket whose queue is
backed up.

Unlike channel events they go at most once: a lost hint is a hint missed, and the next
one (clients send one every few seconds while typing) or its expiry puts it right. With
no REDIS_URL (tests in one process) they are delivered here only.
"""

import json
import logging
import os
import threading
import time
from typing import Any

import redis
from cachetools import TTLCache
from flask import Flask, current_app

from parley import redis_urls
from parley.extensions import socketio
from parley.realtime.channel_events import V2_NAMESPACE, channel_room, user_room

log = logging.getLogger(__name__)

EXTENSION = "parley.typing"
RESUBSCRIBE_SECONDS = 1.0


class TypingHints:
    """This process's side of the fan-out: publish hints, and deliver those published."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        url = app.config["REDIS_URL"]
        self._redis = redis_urls.client(url) if url else None
        self._channel = f"{app.config['REDIS_KEY_PREFIX']}typing"
        self._listener_pid: int | None = None
        # (sid, channel id) of the hints sent within the throttle period, bounded.
        self._recent: TTLCache[tuple[str, int], bool] = TTLCache(
            maxsize=10_000, ttl=app.config["TYPING_THROTTLE_SECONDS"]
        )

    def hint(self, sid: str, user_id: int, channel_id: int) -> bool:
        """Send that a user types in a channel; False if this socket sent one too recently."""
        if (sid, channel_id) in self._recent:
            return False
        self._recent[sid, channel_id] = True
        hint = {"channel_id": channel_id, "user_id": user_id}
        if self._redis is None:
            self.deliver(hint)
            return True
        self._ensure_listening()
        try:
            self._redis.publish(self._channel, json.dumps(hint))
        except redis.RedisError as error:
            log.warning("typing hint not published: %s", error)
        return True

    def deliver(self, hint: dict[str, Any]) -> None:
        """Push a hint to the channel's sockets held here, but the typist's own and those
        whose outgoing queue is backed up."""
        manager = socketio.server.manager
        typist = {
            sid for sid, _ in manager.get_participants(V2_NAMESPACE, user_room(hint["user_id"]))
        }
        payload = {**hint, "expires_in": self._app.config["TYPING_EXPIRES_SECONDS"]}
        most = self._app.config["TYPING_SHED_QUEUE"]
        for sid, eio_sid in list(
            manager.get_participants(V2_NAMESPACE, channel_room(hint["channel_id"]))
        ):
            if sid in typist or _backed_up(eio_sid, most):
                continue
            try:
                socketio.emit("typing", payload, to=sid, namespace=V2_NAMESPACE)
            except Exception:
                log.exception("typing hint to %s failed", sid)

    def _ensure_listening(self) -> None:
        """Subscribe once per process (a forked child needs its own)."""
        if self._listener_pid == os.getpid():
            return
        self._listener_pid = os.getpid()
        threading.Thread(target=self._listen, name="parley-typing", daemon=True).start()

    def _listen(self) -> None:
        while True:
            try:
                assert self._redis is not None
                subscription = self._redis.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                subscription.subscribe(self._channel)
                for message in subscription.listen():
                    with self._app.app_context():
                        self.deliver(json.loads(message["data"]))
            except (redis.RedisError, OSError, ValueError) as error:
                log.warning("typing hints off, subscription lost: %s", error)
            time.sleep(RESUBSCRIBE_SECONDS)


def _backed_up(eio_sid: str, most: int) -> bool:
    """Whether the connection has more than `most` packets waiting to go out."""
    connection = socketio.server.eio.sockets.get(eio_sid)
    queue = getattr(connection, "queue", None)
    return queue is not None and queue.qsize() > most


def typing_hints() -> TypingHints:
    """This app's typing hints (made on first use)."""
    hints: TypingHints | None = current_app.extensions.get(EXTENSION)
    if hints is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        hints = current_app.extensions[EXTENSION] = TypingHints(app)
    return hints


def start_listening(app: Flask) -> None:
    """In a server process, subscribe at start, so hints from other instances arrive
    before this one sends any."""
    with app.app_context():
        hints = typing_hints()
        if hints._redis is not None:
            hints._ensure_listening()
