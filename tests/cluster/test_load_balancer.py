"""The scaled topology for real: two gunicorn/gevent instances behind HAProxy,
on PostgreSQL and Redis, with python-socketio clients connecting through HAProxy.
"""

import base64
import csv
import io
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import socketio

from parley.cluster import (
    ClusterPlan,
    balancer_command,
    instance_command,
    instance_environment,
    plan_cluster,
    prepare,
)
from tests.conftest import REDIS_URL, recreate_postgres_database
from tests.servers import FAST_HASHING, ROOT, call, free_port, wait_until_serving

CLIENTS = 8
WAIT = 15.0


@dataclass
class Topology:
    """A running cluster whose processes the test owns (so it can kill one)."""

    plan: ClusterPlan
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def instance_stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's `show stat` row of each instance."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.plan.stats_socket))
            sock.sendall(b"show stat\n")
            raw = b"".join(iter(lambda: sock.recv(65536), b""))
        rows = csv.DictReader(io.StringIO(raw.decode().lstrip("# ")))
        return {
            row["svname"]: row
            for row in rows
            if row["pxname"] == "web" and row["svname"].startswith("web")
        }

    def sessions_per_instance(self) -> dict[str, int]:
        """Current sessions per instance."""
        return {name: int(row["scur"]) for name, row in self.instance_stats().items()}

    def status(self, name: str) -> str:
        """UP or DOWN, as HAProxy's health checks see the instance."""
        return self.instance_stats()[name]["status"]

    def kill(self, name: str) -> None:
        """SIGKILL an instance: its gunicorn master and worker, no goodbye."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[Topology]:
    database = recreate_postgres_database("parley_test_cluster")
    plan = plan_cluster(
        2,
        first_port=free_port(),
        balancer_port=free_port(),
        database=database.replace("+psycopg", ""),
        redis=REDIS_URL,
        run_dir=tmp_path / "cluster",
        deploy_dir=ROOT / "deploy",
    )
    # Instances on consecutive ports: make sure the second is free too.
    plan.instances[1] = type(plan.instances[1])("web2", "127.0.0.1", free_port())
    config = prepare(plan)
    running = Topology(plan)
    channel = {"SOCKETIO_CHANNEL": f"parley-test-{uuid.uuid4().hex}"}
    try:
        for instance in plan.instances:
            env = {**os.environ, **FAST_HASHING, **channel, **instance_environment(plan, instance)}
            running.processes[instance.name] = subprocess.Popen(
                instance_command(plan), env=env, cwd=ROOT, start_new_session=True
            )
        running.processes["haproxy"] = subprocess.Popen(
            balancer_command(config), start_new_session=True
        )
        for instance in plan.instances:
            wait_until_serving(f"http://{instance.address}", running.processes[instance.name])
        wait_until_serving(plan.balancer_url, running.processes["haproxy"])
        yield running
    finally:
        for process in running.processes.values():
            os.killpg(process.pid, signal.SIGTERM)
        for process in running.processes.values():
            process.wait(timeout=30)


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


def post(url: str, source: str) -> dict[str, Any]:
    """Sign up a fresh user and post a message through the balancer."""
    nickname = f"u{uuid.uuid4().hex[:12]}"
    call(f"{url}/api/users", "POST", {"nickname": nickname, "password": "pw"})
    basic = base64.b64encode(f"{nickname}:pw".encode()).decode()
    _, _, token = call(f"{url}/api/tokens", "POST", headers={"Authorization": f"Basic {basic}"})
    status, _, message = call(
        f"{url}/api/messages",
        "POST",
        {"source": source},
        {"Authorization": f"Bearer {token['token']}"},  # type: ignore[index]
    )
    assert status == 201, (status, message)
    return message  # type: ignore[return-value]


def test_clients_spread_over_both_instances(topology: Topology, clients: list[Client]) -> None:
    sessions = topology.sessions_per_instance()

    assert set(sessions) == {"web1", "web2"}
    assert all(count >= 2 for count in sessions.values()), sessions


def test_a_post_reaches_every_client_once(topology: Topology, clients: list[Client]) -> None:
    marker = uuid.uuid4().hex

    post(topology.plan.balancer_url, marker)

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
    post(topology.plan.balancer_url, marker)
    for client in clients:
        client.wait(lambda c: marker in c.sources())


def wait_until(condition: Any, timeout: float = WAIT) -> None:
    """Poll a condition until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(0.1)
