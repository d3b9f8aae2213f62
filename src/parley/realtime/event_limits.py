"""Budgets of client events: how many one socket may send, and what happens past them.

A connection lives in one process, so its budget is counted there, in memory (the
limits library's moving window), with no round trip: a flood of events is refused as
cheaply as it arrives. The budget belongs to the Engine.IO connection, whatever
namespaces it opened; a /v2 socket's events also draw on its user's budget, shared by
all their sockets on the instance (RATE_LIMIT_SOCKET_EVENTS_USER). An event over
budget is acknowledged with a 429; a connection refused more than
RATE_LIMIT_SOCKET_REFUSALS times within that limit's window is closed (every namespace,
the transport too: opening the namespace again on the same connection would otherwise
start a fresh budget).
Writes also draw on the user's budget for that write, shared with REST
(parley.rate_limits.consume_user_budget).

What no client of Parley ever sends (an event named after a lifecycle event, a packet
that does not decode) is a strike: the first is logged, and a connection's
STRIKES_MAX-th closes it, logged once more, so a flood of them costs a few acks and two
log lines.
"""

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from cachetools import TTLCache
from flask import current_app, request
from flask_socketio import disconnect
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from parley.changes.unit_of_work import socket_unit
from parley.extensions import limiter, socketio
from parley.rate_limits import too_many_body
from parley.realtime import connection_limits

log = logging.getLogger(__name__)

Handler = TypeVar("Handler", bound=Callable[..., Any])
_window = MovingWindowRateLimiter(MemoryStorage())
STRIKES_MAX = 3
# Strikes by connection; a connection closed or gone is forgotten within the hour.
_strikes: TTLCache[str, int] = TTLCache(maxsize=100_000, ttl=3600)


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
    within = _window.hit(events, "socket-events", connection)
    owner = connection_limits.owner_room(sid)
    if within and owner is not None:  # and within the budget of all the user's sockets
        shared = parse(current_app.config["RATE_LIMIT_SOCKET_EVENTS_USER"])
        within = _window.hit(shared, "socket-events-user", owner)
    if within:
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


def strike(connection: str, what: str) -> bool:
    """Count something no client should send against its Engine.IO connection; log the
    first, and close the connection at the STRIKES_MAX-th. Whether it was closed."""
    count = _strikes.get(connection, 0) + 1
    _strikes[connection] = count
    if count == 1:
        log.warning("connection %s sent %s", connection, what)
    if count < STRIKES_MAX:
        return False
    if count == STRIKES_MAX:
        log.warning("closed connection %s: %d things no client sends", connection, count)
        socketio.server.eio.disconnect(connection)
    return True
