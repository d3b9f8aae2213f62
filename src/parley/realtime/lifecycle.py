"""Handlers of the server's own connection lifecycle, which no client event can run.

python-socketio dispatches a client's EVENT packet by its name alone, so a client that
emits an event named `connect` or `disconnect` reaches the handler of that name:
a socket could drop itself from the socket registry while staying connected and in
its rooms, out of reach of sign-out and member removal. The library runs the real
lifecycle handlers only while a socket is connecting or disconnecting (it is then not
"connected"), and client events only for connected sockets; that tells them apart.
"""

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from flask_socketio import ConnectionRefusedError as Refused
from sqlalchemy.exc import TimeoutError as PoolTimeout

from parley.changes.unit_of_work import socket_unit
from parley.envelope import error_body
from parley.extensions import socketio
from parley.realtime import connection_limits, event_limits

log = logging.getLogger(__name__)

Handler = TypeVar("Handler", bound=Callable[..., Any])


def is_client_event(namespace: str) -> bool:
    """Whether the handler running now was called by a client's event packet."""
    sid: str = request.sid  # type: ignore[attr-defined]
    return bool(socketio.server.manager.is_connected(sid, namespace))


def on_lifecycle(event: str, namespace: str) -> Callable[[Handler], Handler]:
    """Register a `connect` or `disconnect` handler, run as one unit of work, that a
    client's event of the same name cannot run: the client's ack gets a 400 instead.
    A connect is admitted only within the connection limits, and counted while open."""

    def register(handler: Handler) -> Handler:
        unit = socket_unit(handler)

        @functools.wraps(handler)
        def guarded(*args: Any) -> Any:
            if is_client_event(namespace):
                return _refuse_client_event(event, namespace)
            sid: str = request.sid  # type: ignore[attr-defined]
            if event == "disconnect":
                connection_limits.disconnected(sid, namespace)
                return unit(*args)
            connection_limits.admit(namespace)
            try:
                admitted = unit(*args)
            except PoolTimeout:
                # Every pooled connection stayed busy (a storm of connects): a refusal
                # the client retries, not an error it waits out.
                body = {**error_body(503, "The server is busy; connect again."), "retry_after": 2}
                raise Refused(body["message"], body) from None
            if admitted is not False:
                connection_limits.connected(sid, namespace)
            return admitted

        socketio.on(event, namespace=namespace)(guarded)
        return handler

    return register


def _refuse_client_event(event: str, namespace: str) -> dict[str, Any]:
    """The 400 ack of a client event named after a lifecycle event, a strike against
    its connection."""
    sid: str = request.sid  # type: ignore[attr-defined]
    connection: str = socketio.server.manager.eio_sid_from_sid(sid, namespace)
    event_limits.strike(connection, f"an event named {event!r} on {namespace}")
    return error_body(400, f"'{event}' is a connection event; clients cannot send it.")
