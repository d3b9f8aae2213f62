"""The scaled topology for real: two gunicorn/gevent instances behind HAProxy,
on PostgreSQL and Redis, with python-socketio clients connecting through HAProxy.
"""

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.cluster.conftest import sessions_per_instance
from tests.servers import post_as_new_user, wait_until
from tests.sockets import PushRecorder, message_with_source
from tests.topology import RunningCluster

CLIENTS = 8


@pytest.fixture
def clients(topology: RunningCluster) -> Iterator[list[PushRecorder]]:
    """Half WebSocket, half long-polling, all through the balancer."""
    url = topology.plan.balancer_url
    made = [
        PushRecorder(url, "websocket" if i % 2 else "polling", reconnect=True)
        for i in range(CLIENTS)
    ]
    yield made
    for client in made:
        client.close()


def test_clients_spread_over_both_instances(
    topology: RunningCluster, clients: list[PushRecorder]
) -> None:
    sessions = sessions_per_instance(topology)

    assert set(sessions) == {"web1", "web2"}
    assert all(count >= 2 for count in sessions.values()), sessions


def test_a_post_reaches_every_client_once(
    topology: RunningCluster, clients: list[PushRecorder]
) -> None:
    marker = uuid.uuid4().hex

    post_as_new_user(topology.plan.balancer_url, marker)

    for client in clients:
        client.wait_for(message_with_source(marker))
    time.sleep(0.5)  # a duplicate would arrive about as fast as the original did
    assert all(client.message_sources().count(marker) == 1 for client in clients)


@pytest.mark.own_cluster  # it kills an instance
def test_clients_of_a_killed_instance_resume_on_the_survivor(
    topology: RunningCluster, clients: list[PushRecorder]
) -> None:
    on_web1 = sessions_per_instance(topology)["web1"]
    assert on_web1 > 0

    topology.kill("web1")

    # The clients of web1 notice, reconnect through HAProxy, and land on web2.
    wait_until(lambda: sum(c.disconnects for c in clients) >= on_web1)
    wait_until(lambda: all(c.client.connected for c in clients))
    wait_until(lambda: topology.balancer_stats()["web1"]["status"] == "DOWN")
    assert sum(c.connects for c in clients) == CLIENTS + sum(c.disconnects for c in clients)
    marker = uuid.uuid4().hex
    post_as_new_user(topology.plan.balancer_url, marker)
    for client in clients:
        client.wait_for(message_with_source(marker))
