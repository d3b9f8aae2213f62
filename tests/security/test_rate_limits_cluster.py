"""Attacks on the rate limits through the real topology: two gevent instances behind
HAProxy, counters in Redis. A limit holds across instances, whatever the client says
its address is."""

import http.client
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tests.raw_socket import RawSocket, SocketClosedError
from tests.servers import FAST_HASHING, ROOT, two_instance_plan
from tests.topology import RunningCluster, start_cluster
from tests.v2_clients import Member

POSTS_PER_MINUTE = 20
SIGN_UPS_PER_HOUR = 5
SOCKET_EVENTS = 30  # per 10 seconds
BURST = 10  # times over the limit


@pytest.fixture(scope="module")
def balancer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    plan = two_instance_plan("parley_test_limits", tmp_path_factory.mktemp("limits") / "cluster")
    run = uuid.uuid4().hex
    env = {
        **FAST_HASHING,
        "REDIS_KEY_PREFIX": f"parley-test-{run}:",
        "RATE_LIMIT_POST": f"{POSTS_PER_MINUTE} per minute",
        "RATE_LIMIT_SIGN_UP": f"{SIGN_UPS_PER_HOUR} per hour",
        "RATE_LIMIT_SOCKET_EVENTS": f"{SOCKET_EVENTS} per 10 seconds",
        "RATE_LIMIT_SOCKET_REFUSALS": "30 per minute",
    }
    running: RunningCluster
    with start_cluster(plan, env=env, cwd=ROOT, jobs=False) as running:
        yield running.plan.balancer_url


def test_a_burst_ten_times_over_the_limit_is_held_across_instances(balancer: str) -> None:
    member = Member(balancer)
    lobby = member.channel(f"c{uuid.uuid4().hex[:8]}")

    with ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(
                lambda n: member.post(lobby, f"burst {n}", f"b{n}"),
                range(POSTS_PER_MINUTE * BURST),
            )
        )

    statuses = [status for status, _ in answers]
    print(
        f"burst: {statuses.count(201)} of {len(statuses)} posts accepted, limit {POSTS_PER_MINUTE}"
    )
    assert set(statuses) == {201, 429}
    assert statuses.count(201) <= POSTS_PER_MINUTE * 1.05
    refused = next(body for status, body in answers if status == 429)
    assert refused["code"] == 429
    assert refused["retry_after"] >= 1
    status, page = member.call("GET", f"/channels/{lobby}/messages?limit=100")
    assert status == 200
    assert len(page["messages"]) == statuses.count(201)


def sign_up_from(source: str, balancer: str, headers: dict[str, str]) -> int:
    """POST /api/v2/users from a loopback address of our choosing; the status."""
    host, port = urlsplit(balancer).hostname or "127.0.0.1", urlsplit(balancer).port
    connection = http.client.HTTPConnection(host, port, timeout=10, source_address=(source, 0))
    try:
        body = json.dumps({"nickname": f"f{uuid.uuid4().hex[:10]}", "password": "pw"})
        connection.request(
            "POST", "/api/v2/users", body, {"Content-Type": "application/json", **headers}
        )
        return connection.getresponse().status
    finally:
        connection.close()


def test_each_client_address_has_its_own_budget_and_cannot_forge_another(
    balancer: str,
) -> None:
    forged = [
        sign_up_from("127.0.0.2", balancer, {"X-Forwarded-For": f"192.0.2.{n}"})
        for n in range(SIGN_UPS_PER_HOUR * 3)
    ]
    other_client = sign_up_from("127.0.0.3", balancer, {})

    assert forged == [201] * SIGN_UPS_PER_HOUR + [429] * SIGN_UPS_PER_HOUR * 2
    assert other_client == 201


def test_a_socket_flood_is_refused_and_cut_off(balancer: str) -> None:
    flooder, bystander = Member(balancer), Member(balancer)
    lobby = flooder.channel(f"c{uuid.uuid4().hex[:8]}")
    raw = RawSocket(balancer)
    try:
        assert raw.connect("/v2", {"token": flooder.token}).startswith("0/v2,")
        event = '["post_message",{"channel_id":%d,"source":"flood","client_msg_id":"f%d"}]'
        for n in range(2000):
            raw.send(f"2/v2,{n}" + event % (lobby, n))
        started = time.monotonic()
        status, _ = bystander.call("GET", "/users/me")
        bystander_seconds = time.monotonic() - started
        with pytest.raises(SocketClosedError):
            raw.read_for(10.0)
    finally:
        raw.close()

    acks = [p for p in raw.packets if p.startswith("3/v2,")]
    accepted = [p for p in acks if '"status":201' in p]
    assert status == 200
    assert len(accepted) <= SOCKET_EVENTS
    assert len(acks) < 2000  # disconnected before it was through
    print(
        f"socket flood: {len(accepted)} of 2000 events accepted, {len(acks)} acknowledged "
        f"before the connection was closed; a bystander's GET /users/me meanwhile: "
        f"{bystander_seconds * 1000:.0f} ms"
    )
