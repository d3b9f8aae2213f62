"""Limits on connecting, across connections and addresses: how often one address may
open a connection (Engine.IO handshakes) or a namespace on one, and a user their /v2
sockets, counted in Redis and so shared by every instance; and how many sockets one
address and one user may hold on an instance at once, counted in its process (a socket
lives in one). Each socket has an event budget of its own (parley.realtime.event_limits):
these bound how many sockets, and connects, one address or one user gets.

All of them are off with RATE_LIMITS_ENABLED, as every other limit.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import orjson
from flask import Flask, current_app, request
from flask_socketio import ConnectionRefusedError as Refused

from parley.budgets import take
from parley.extensions import limiter, socketio
from parley.rate_limits import too_many_body

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# (sid, namespace) -> the address that connected it; sockets held per address; the
# user of each /v2 socket (its room), for the budget all their sockets share.
_addresses: dict[tuple[str, str], str] = {}
_held: Counter[str] = Counter()
_owners: dict[str, str] = {}


class HandshakeLimit:
    """WSGI middleware in front of Socket.IO's: a request that opens an Engine.IO
    connection (no `sid` yet) draws on its address's RATE_LIMIT_SOCKET_CONNECTS, and
    past it is answered 429 in the error envelope, with Retry-After."""

    def __init__(self, wsgi_app: WsgiApp, app: Flask) -> None:
        self.wsgi_app, self.app = wsgi_app, app
        self.path = "/" + socketio.server_options.get("socketio_path", "socket.io").strip("/")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Refuse a handshake over its address's budget; pass everything else on."""
        if self._opens_a_connection(environ):
            with self.app.app_context():
                address = environ.get("REMOTE_ADDR") or ""
                refusal = take("RATE_LIMIT_SOCKET_CONNECTS", address, "socket-connects")
            if refusal is not None:
                body = orjson.dumps(too_many_body(refusal, "socket connections from here"))
                start_response(
                    "429 Too Many Requests",
                    [
                        ("Content-Type", "application/json"),
                        ("Content-Length", str(len(body))),
                        ("Retry-After", str(refusal)),
                    ],
                )
                return [body]
        return self.wsgi_app(environ, start_response)

    def _opens_a_connection(self, environ: dict[str, Any]) -> bool:
        if not environ.get("PATH_INFO", "").startswith(self.path):
            return False
        return "sid" not in parse_qs(environ.get("QUERY_STRING", ""))


def admit(namespace: str) -> None:
    """Refuse (connect_error 429) a namespace connect over its address's budget, or from
    an address that holds SOCKETS_PER_ADDRESS_MAX sockets here already."""
    address = request.remote_addr or ""
    wait = take("RATE_LIMIT_SOCKET_CONNECTS", address, f"socket-namespaces-{namespace}")
    full = _held[address] >= _setting("SOCKETS_PER_ADDRESS_MAX")
    if wait is None and limiter.enabled and full:
        wait = 60
    if wait is not None:
        raise _refused(wait, "socket connections from here")


def admit_user(user_id: int, namespace: str, room: str) -> None:
    """Refuse a user's socket over their budget of connects, or past the sockets
    (SOCKETS_PER_USER_MAX) they hold on this instance already, in their `room`."""
    scope = f"socket-namespaces-{namespace}"
    wait = take("RATE_LIMIT_SOCKET_CONNECTS_USER", f"user:{user_id}", scope)
    rooms = socketio.server.manager.rooms.get(namespace, {})
    if (
        wait is None
        and limiter.enabled
        and len(rooms.get(room, ())) >= _setting("SOCKETS_PER_USER_MAX")
    ):
        wait = 60
    if wait is not None:
        raise _refused(wait, "sockets of this user")
    _owners[request.sid] = room  # type: ignore[attr-defined]


def owner_room(sid: str) -> str | None:
    """The room of the user whose /v2 socket this is, if it is one held here."""
    return _owners.get(sid)


def connected(sid: str, namespace: str) -> None:
    """Count a socket that connected against its address."""
    address = request.remote_addr or ""
    _addresses[(sid, namespace)] = address
    _held[address] += 1


def disconnected(sid: str, namespace: str) -> None:
    """Stop counting a socket that went away."""
    _owners.pop(sid, None)
    address = _addresses.pop((sid, namespace), None)
    if address is not None:
        _held[address] -= 1
        if _held[address] <= 0:
            del _held[address]


def _setting(name: str) -> int:
    value: int = current_app.config[name]
    return value


def _refused(wait: int, what: str) -> Refused:
    envelope = too_many_body(wait, what)
    return Refused(envelope["message"], envelope)
