"""The official JavaScript socket.io-client (npm, run by node) through HAProxy."""

import json
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.cluster.conftest import sessions_per_instance
from tests.servers import ROOT, post_as_new_user, wait_until
from tests.topology import RunningCluster

PER_TRANSPORT = 6
NODE = shutil.which("node") or "node"


class NodeClients:
    """A node process holding N socket.io-client sockets, read line by line."""

    def __init__(self, url: str, count: int, transport: str) -> None:
        self.lines: list[dict[str, Any]] = []
        self.process = subprocess.Popen(
            [NODE, str(ROOT / "tests/js/listen.mjs"), url, str(count), transport, "120"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(json.loads(line))

    def events(self, kind: str) -> list[dict[str, Any]]:
        """The lines of one kind received so far."""
        return [line for line in self.lines if line["event"] == kind]

    def close(self) -> None:
        """Close the sockets and end the process."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self._reader.join(timeout=5)
        assert self.process.stdout is not None
        self.process.stdout.close()


@pytest.fixture
def node_clients(topology: RunningCluster) -> Iterator[list[NodeClients]]:
    url = topology.plan.balancer_url
    groups = [NodeClients(url, PER_TRANSPORT, t) for t in ("websocket", "polling")]
    yield groups
    for group in groups:
        group.close()


def test_js_clients_spread_and_each_receives_a_post_once(
    topology: RunningCluster, node_clients: list[NodeClients]
) -> None:
    for group in node_clients:
        wait_until(lambda g=group: g.events("ready") or g.events("error"))
        assert group.events("error") == []
    sessions = sessions_per_instance(topology)
    assert all(count >= 2 for count in sessions.values()), sessions

    marker = uuid.uuid4().hex
    posted = post_as_new_user(topology.plan.balancer_url, marker)

    def pushes_of_post(group: NodeClients) -> list[dict[str, Any]]:
        return [
            line
            for line in group.events("push")
            if line["payload"]["class"] == "Message"
            and line["payload"]["model"]["source"] == marker
        ]

    def received(group: NodeClients) -> list[int]:
        return [line["client"] for line in pushes_of_post(group)]

    for group in node_clients:
        wait_until(lambda g=group: len(received(g)) >= PER_TRANSPORT)
    for group in node_clients:
        assert sorted(received(group)) == list(range(PER_TRANSPORT))  # each socket once
        assert all(line["payload"]["model"] == posted for line in pushes_of_post(group))
