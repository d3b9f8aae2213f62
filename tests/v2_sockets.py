"""An in-process /v2 socket for tests: records what the server sends it."""

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from parley.extensions import socketio
from parley.models import EventKind

if TYPE_CHECKING:
    from tests.api_v2.v2 import Caller

NAMESPACE = "/v2"
Received = tuple[str, dict[str, Any]]


class V2Socket:
    """A Flask-SocketIO test client on /v2 (the replay on connect runs in a thread)."""

    def __init__(self, app: Flask, client: FlaskClient, auth: dict[str, Any] | None) -> None:
        self.client: SocketIOTestClient = socketio.test_client(
            app, namespace=NAMESPACE, auth=auth, flask_test_client=client
        )
        self._received: list[Received] = []

    @property
    def connected(self) -> bool:
        """Whether the server holds the connection."""
        return bool(self.client.is_connected(NAMESPACE))

    def received(self) -> list[Received]:
        """Every (event, payload) so far, in order."""
        if self.connected:
            self._received += [
                (e["name"], e["args"][0]) for e in self.client.get_received(NAMESPACE)
            ]
        return self._received

    def wait_for(self, wanted: Callable[[Received], bool], timeout: float = 5) -> Received:
        """The first event received that matches, waiting for it if need be."""
        deadline = time.monotonic() + timeout
        while not (found := [event for event in self.received() if wanted(event)]):
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing matching within {timeout} s: {self._received}")
            time.sleep(0.02)
        return found[0]

    def resumed(self, channel_id: int) -> dict[str, Any]:
        """Wait for the channel's `resumed` (or `resync`) marker; its payload."""
        return self.wait_for(
            lambda e: e[0] in ("resumed", "resync") and e[1]["channel_id"] == channel_id
        )[1]

    def channel_events(self, channel_id: int) -> list[dict[str, Any]]:
        """The channel events received for one channel, in order of arrival."""
        kinds = set(EventKind)
        return [p for name, p in self.received() if name in kinds and p["channel_id"] == channel_id]

    def post(self, data: object) -> dict[str, Any]:
        """Emit post_message; its acknowledgement."""
        ack: dict[str, Any] = self.client.emit(
            "post_message", data, namespace=NAMESPACE, callback=True
        )
        return ack

    def close(self) -> None:
        """Disconnect if still connected."""
        if self.connected:
            self.client.disconnect(NAMESPACE)


def open_as(app: Flask, client: FlaskClient, caller: "Caller", opened: list[V2Socket]) -> V2Socket:
    """A /v2 socket of the caller following no cursor, closed with the test's others."""
    socket = V2Socket(app, client, {"token": caller.pair["access_token"], "cursors": {}})
    opened.append(socket)
    return socket
