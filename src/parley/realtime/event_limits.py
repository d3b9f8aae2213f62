"""Budgets of client events: how many one socket may send, and what happens past them.

A connection lives in one process, so its budget is counted there, in memory (the
limits library's moving window), with no round trip: a flood of events is refused as
cheaply as it arrives. The budget belongs to the Engine.IO connection, whatever
namespaces it opened. An event over budget is acknowledged with a 429; a connection
refused more than RATE_LIMIT_SOCKET_REFUSALS times within that limit's window is
closed (every namespace, the transport too: opening the namespace again on the same
connection would otherwise start a fresh budget).
Writes also draw on the user's budget for that write, shared with REST
(parley.rate_limits.consume_user_budget).
"""

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request
from flask_socketio import disconnect
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from parley.extensions import limiter, socketio
from parley.rate_limits import too_many_body
from parley.unit_of_work import socket_unit

log = logging.getLogger(__name__)

Handler = TypeVar("Handler", bound=Callable[..., Any])
_window = MovingWindowRateLimiter(MemoryStorage())


def on_client_event(
    event: str, namespace: str, ack: Callable[[int, dict[str, Any]], Any] | None = None
) -> Callable[[Handler], Handler]:
    """Register a handler of a client event, run as one unit of work only while the
    socket is within budget; `ack` shapes the refusal (status, envelope) as the
    namespace's acks are shaped."""

    def register(handler: Handler) -> Handler:
        unit = socket_unit(handler)

        @functools.wraps(handler)
        def limited(*args: Any) -> Any:
            refusal = _over_budget(namespace)
            if refusal is None:
                return unit(*args)
            return refusal if ack is None else ack(429, refusal)

        socketio.on(event, namespace=namespace)(limited)
        return handler

    return register


def _over_budget(namespace: str) -> dict[str, Any] | None:
    """None while the socket is within budget; else the 429 envelope of its ack."""
    if not limiter.enabled:
        return None
    sid: str = request.sid  # type: ignore[attr-defined]
    manager = socketio.server.manager
    connection: str = manager.eio_sid_from_sid(sid, namespace)
    events = parse(current_app.config["RATE_LIMIT_SOCKET_EVENTS"])
    if _window.hit(events, "socket-events", connection):
        return None
    refusals = parse(current_app.config["RATE_LIMIT_SOCKET_REFUSALS"])
    # Events already read from the connection may still arrive after it was closed.
    if not _window.hit(refusals, "socket-refusals", connection) and manager.is_connected(
        sid, namespace
    ):
        log.warning("closed connection %s: it kept sending events over budget", connection)
        disconnect()
        socketio.server.eio.disconnect(connection)
    reset_at = _window.get_window_stats(events, "socket-events", connection).reset_time
    return too_many_body(max(1, int(reset_at - time.time())), "events from this socket")
