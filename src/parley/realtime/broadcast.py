"""Broadcasts: pushes to a room, or to everyone, on every instance.

With Redis between the instances, a broadcast is only published. Every instance,
this one included, delivers it from its queue listener, as it delivers the Celery
workers' pushes. So every socket on every instance sees broadcasts in one order, the
queue's. And the handler that made the change does not fan it out inline: it answers
sooner, and the listener delivers the broadcasts waiting in Redis one after another
(+18% deliveries/s at 1,000 sockets: bench/README.md, "Broadcasts delivered from the queue").

Without Redis (the embedded default's one web process, or the tests' in-process
queue), a broadcast is emitted here and now.
"""

import logging
from typing import Any

import socketio as python_socketio
from flask import Flask, current_app

from parley.extensions import socketio

log = logging.getLogger(__name__)

_PUBLISHER = "parley.broadcast"


def init_app(app: Flask, manager: python_socketio.Manager) -> None:
    """Publish this app's broadcasts through Redis when Redis links its instances.

    A write-only app (a Celery worker) needs nothing more: its manager only publishes.
    """
    if isinstance(manager, python_socketio.RedisManager) and not manager.write_only:
        # The emitter python-socketio documents for processes that hold no sockets.
        app.extensions[_PUBLISHER] = python_socketio.RedisManager(
            manager.redis_url, channel=manager.channel, write_only=True
        )


def broadcast(event: str, payload: dict[str, Any], namespace: str, to: str | None = None) -> None:
    """Push to a room (or to every socket) of a namespace; log a failure, never raise.

    The change it reports is already committed and acknowledged.
    """
    try:
        publisher = current_app.extensions.get(_PUBLISHER)
        if publisher is None:
            socketio.emit(event, payload, to=to, namespace=namespace)
        else:
            publisher.emit(event, payload, namespace=namespace, room=to)
    except Exception:
        log.exception("push of %s to %s failed", event, to or "everyone")
