"""The scaled topology for real: two gunicorn/gevent instances behind HAProxy,
on PostgreSQL and Redis, with python-socketio clients connecting through HAProxy.
"""

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import socketio

from tests.cluster.conftest import Topology
from tests.servers import post_as_new_user, wait_until

CLIENTS = 8
WAIT = 15.0


class Client:
    """A python-socketio client through the balancer that counts `updated_model` pushes."""

    def __init__(self, url: str, transport: str) -> None:
        self.pushes: list[dict[str, Any]] = []
        self.connects = self.disconnects = 0
        self._changed = threading.Condition()
        self.sio = socketio.Client(reconnection=True, reconnection_delay=0.2)
        self.sio.on("updated_model", self._record)
        self.sio.on("connect", self._connected)
        self.sio.on("disconnect", self._disconnected)
        self.sio.connect(url, transports=[transport], wait_timeout=10)

    def _connected(self) -> None:
        with self._changed:
            self.connects += 1
            self._changed.notify_all()

    def _disconnected(self, *reason: object) -> None:
        with self._changed:
            self.disconnects += 1
            self._changed.notify_all()

    def _record(self, payload: dict[str, Any]) -> None:
        with self._changed:
            self.pushes.append(payload)
            self._changed.notify_all()

    def wait(self, done: Any, timeout: float = WAIT) -> None:
        """Wait until `done(self)` is true."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self):
                if not self._changed.wait(max(0.0, deadline - time.monotonic())):
                    raise AssertionError(f"timed out; pushes={self.pushes}")

    def sources(self) -> list[str]:
        """Sources of the messages pushed so far."""
        return [p["model"]["source"] for p in self.pushes if p["class"] == "Message"]


@pytest.fixture
def clients(topology: Topology) -> Iterator[list[Client]]:
    """Half WebSocket, half long-polling, all through the balancer."""
    url = topology.plan.balancer_url
    made = [Client(url, "websocket" if i % 2 else "polling") for i in range(CLIENTS)]
    yield made
    for client in made:
        client.sio.disconnect()


def test_clients_spread_over_both_instances(topology: Topology, clients: list[Client]) -> None:
    sessions = topology.sessions_per_instance()

    assert set(sessions) == {"web1", "web2"}
    assert all(count >= 2 for count in sessions.values()), sessions


def test_a_post_reaches_every_client_once(topology: Topology, clients: list[Client]) -> None:
    marker = uuid.uuid4().hex

    post_as_new_user(topology.plan.balancer_url, marker)

    for client in clients:
        client.wait(lambda c: marker in c.sources())
    time.sleep(0.5)  # a duplicate would arrive about as fast as the original did
    assert all(client.sources().count(marker) == 1 for client in clients)


def test_clients_of_a_killed_instance_resume_on_the_survivor(
    topology: Topology, clients: list[Client]
) -> None:
    on_web1 = topology.sessions_per_instance()["web1"]
    assert on_web1 > 0

    topology.kill("web1")

    # The clients of web1 notice, reconnect through HAProxy, and land on web2.
    wait_until(lambda: sum(c.disconnects for c in clients) >= on_web1)
    wait_until(lambda: all(c.sio.connected for c in clients))
    wait_until(lambda: topology.status("web1") == "DOWN")
    assert sum(c.connects for c in clients) == CLIENTS + sum(c.disconnects for c in clients)
    marker = uuid.uuid4().hex
    post_as_new_user(topology.plan.balancer_url, marker)
    for client in clients:
        client.wait(lambda c: marker in c.sources())
