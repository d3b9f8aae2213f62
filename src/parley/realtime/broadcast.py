"""Broadcasts: pushes to a room, or to everyone, among the sockets this process holds.

Every web process's relay (parley.changes.relay) reads each committed change from the
outbox and pushes it to its own sockets; no push goes through Redis, so neither a
writer that dies after its commit nor a Redis restart loses one. The handler that
made the change does not fan it out either: it answers sooner, and the relay task
delivers the changes waiting for it one after another.
"""

import logging
from typing import Any

from parley.extensions import socketio

log = logging.getLogger(__name__)


def broadcast(event: str, payload: dict[str, Any], namespace: str, to: str | None = None) -> None:
    """Push to a room (or to every socket) of a namespace, in this process; log a
    failure, never raise: the change it reports is committed and acknowledged."""
    try:
        socketio.emit(event, payload, to=to, namespace=namespace)
    except Exception:
        log.exception("push of %s to %s failed", event, to or "everyone")
