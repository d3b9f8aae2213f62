"""A python-socketio client for tests that records what the server pushes."""

import threading
import time
from collections.abc import Callable
from typing import Any

import socketio

WAIT = 15.0  # seconds a push or reconnection may take before a test gives up


class PushRecorder:
    """Connects to a Parley server and records every `updated_model`, connect and disconnect."""

    def __init__(self, url: str, transport: str, *, reconnect: bool = False) -> None:
        self.pushes: list[dict[str, Any]] = []
        self.connects = self.disconnects = 0
        self._changed = threading.Condition()
        self.client = socketio.Client(reconnection=reconnect, reconnection_delay=0.2)
        self.client.on("updated_model", self._record)
        self.client.on("connect", self._connected)
        self.client.on("disconnect", self._disconnected)
        self.client.connect(url, transports=[transport], wait_timeout=10)

    def _record(self, payload: dict[str, Any]) -> None:
        with self._changed:
            self.pushes.append(payload)
            self._changed.notify_all()

    def _connected(self) -> None:
        with self._changed:
            self.connects += 1
            self._changed.notify_all()

    def _disconnected(self, *reason: object) -> None:
        with self._changed:
            self.disconnects += 1
            self._changed.notify_all()

    def wait_for(
        self, wanted: Callable[[dict[str, Any]], bool], timeout: float = WAIT
    ) -> list[dict[str, Any]]:
        """Wait until some push matches; return the matching ones."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (found := [p for p in self.pushes if wanted(p)]):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no matching push within {timeout} s: {self.pushes}")
                self._changed.wait(remaining)
        return found

    def message_sources(self) -> list[str]:
        """Sources of the messages pushed so far."""
        return [p["model"]["source"] for p in self.pushes if p["class"] == "Message"]

    def close(self) -> None:
        """Disconnect if still connected."""
        self.client.disconnect()


def message_with_source(source: str) -> Callable[[dict[str, Any]], bool]:
    """A push filter: the Message push whose source is this."""
    return lambda p: p["class"] == "Message" and p["model"]["source"] == source
