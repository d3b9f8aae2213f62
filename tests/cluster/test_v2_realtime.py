"""API v2's guarantees on the real topology: two gunicorn/gevent instances behind
HAProxy, on PostgreSQL and Redis, with python-socketio clients on /v2.

Nothing doubled (idempotent sends racing), nothing lost (replay on resume, an
instance killed under load), one order for everyone, and nothing for non-members.
"""

import itertools
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import socketio

from tests.cluster.conftest import sessions_per_instance
from tests.topology import RunningCluster
from tests.v2_clients import Listener, Member


@pytest.fixture(scope="module")
def jobs() -> bool:
    return False  # v2 posts are synchronous: no worker needed


@pytest.fixture
def url(topology: RunningCluster) -> str:
    return topology.plan.balancer_url


@pytest.fixture
def listeners() -> Iterator[list[Listener]]:
    """Listeners to close at the end of the test."""
    opened: list[Listener] = []
    yield opened
    for listener in opened:
        listener.close()


def last_seq(member: Member, channel_id: int) -> int:
    status, channel = member.call("GET", f"/channels/{channel_id}")
    assert status == 200, (status, channel)
    seq: int = channel["last_seq"]
    return seq


def test_a_socket_without_a_live_token_is_refused_with_the_reason(url: str) -> None:
    for auth, code, field in (
        ({"token": "nope"}, 401, None),
        ({"token": "nope", "cursors": {"1": -1}}, 400, "cursors"),
        ({"cursors": {}}, 400, "token"),
    ):
        refusals: list[Any] = []
        client = socketio.Client(reconnection=False)
        client.on("connect_error", refusals.append, namespace="/v2")
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(url, namespaces=["/v2"], auth=auth, wait_timeout=5)
        assert refusals, auth
        assert refusals[0]["data"]["code"] == code, refusals
        assert refusals[0]["message"] == refusals[0]["data"]["message"]
        if field:
            assert field in refusals[0]["data"]["errors"]


def test_signing_out_disconnects_that_sessions_sockets_on_every_instance(
    topology: RunningCluster, url: str, listeners: list[Listener]
) -> None:
    ada = Member(url)
    leaving = [Listener(url, ada, {}) for _ in range(4)]
    staying = [Listener(url, ada.another_session(), {}) for _ in range(2)]
    listeners.extend(leaving + staying)
    assert all(count > 0 for count in sessions_per_instance(topology).values())

    signed_out = time.monotonic()
    status, _ = ada.call("DELETE", "/tokens")

    assert status == 204
    for listener in leaving:
        assert listener.disconnected.wait(max(0.0, signed_out + 1.0 - time.monotonic()))
    assert not any(listener.disconnected.is_set() for listener in staying)
    lobby = staying[0].member.channel(f"after-{uuid.uuid4().hex[:6]}")
    assert staying[1].post(lobby, "still here", "after")["status"] == 201


def test_100_concurrent_duplicates_store_one_message(url: str, listeners: list[Listener]) -> None:
    ada = Member(url)
    lobby = ada.channel(f"race-{uuid.uuid4().hex[:6]}")
    sockets = [Listener(url, ada, {}) for _ in range(4)]
    listeners.extend(sockets)

    def over_rest(_: int) -> tuple[int, int]:
        status, message = ada.post(lobby, "once over REST", "rest-dup")
        return status, message["id"]

    def over_socket(n: int) -> tuple[int, int]:
        ack = sockets[n % len(sockets)].post(lobby, "once over a socket", "socket-dup")
        return ack["status"], ack["message"]["id"]

    for send in (over_rest, over_socket):
        with ThreadPoolExecutor(100) as pool:
            answers = list(pool.map(send, range(100)))
        statuses = sorted(status for status, _ in answers)
        assert statuses == [200] * 99 + [201], send.__name__
        assert len({message_id for _, message_id in answers}) == 1
    status, page = ada.call("GET", f"/channels/{lobby}/messages")
    assert status == 200
    assert sorted(m["source"] for m in page["messages"]) == [
        "once over REST",
        "once over a socket",
    ]


def test_50_clients_see_200_messages_in_one_order_and_outsiders_nothing(
    topology: RunningCluster, url: str, listeners: list[Listener]
) -> None:
    owner = Member(url)
    room = owner.channel(f"room-{uuid.uuid4().hex[:6]}", "private")
    members = [Member(url) for _ in range(50)]
    for member in members:
        owner.invite(room, member)
    start = last_seq(owner, room)
    listeners.extend(
        Listener(url, member, {room: start}, transport="websocket" if i % 5 else "polling")
        for i, member in enumerate(members)
    )
    outsider = Listener(url, Member(url), {room: 0})
    listeners.append(outsider)
    assert all(count > 0 for count in sessions_per_instance(topology).values())

    posters = listeners[:5]
    sent: list[int] = []

    def post_twenty(n: int) -> None:
        for i in range(20):
            if n < 5:  # half over sockets, half over REST
                ack = posters[n].post(room, f"s{n}-{i}", f"s{n}-{i}")
                assert ack["status"] == 201, ack
                sent.append(ack["message"]["id"])
            else:
                status, message = members[n].post(room, f"r{n}-{i}", f"r{n}-{i}")
                assert status == 201, message
                sent.append(message["id"])

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(post_twenty, range(10)))
    end = last_seq(owner, room)
    assert end == start + 200

    for listener in listeners[:-1]:
        listener.wait_for_seq(room, end)
    orders = {tuple(listener.message_ids(room)) for listener in listeners[:-1]}
    assert len(orders) == 1
    assert sorted(orders.pop()) == sorted(sent)
    for listener in listeners[:-1]:
        assert listener.duplicates == 0
        assert [e["seq"] for e in listener.applied[room]] == list(range(start + 1, end + 1))
    # The outsider was told the channel is not theirs, and got nothing of it.
    assert outsider.markers("channel_unavailable") == [
        {"channel_id": room, "code": 404, "message": "No such channel."}
    ]
    assert [e for e in outsider.received if e[1].get("channel_id") == room] == [
        ("channel_unavailable", outsider.markers("channel_unavailable")[0])
    ]
    refused = outsider.post(room, "let me in", "x1")
    assert refused["status"] == 404
    assert last_seq(owner, room) == end


def test_a_client_away_for_500_messages_resumes_with_exactly_those(
    url: str, listeners: list[Listener]
) -> None:
    ada = Member(url)
    lobby = ada.channel(f"lobby-{uuid.uuid4().hex[:6]}")
    poster = Listener(url, ada, {})
    listeners.append(poster)
    away = Listener(url, ada, {lobby: last_seq(ada, lobby)})
    away.close()
    seen = away.last[lobby]

    posted = [poster.post(lobby, f"m{i}", f"m{i}")["message"] for i in range(500)]

    back = Listener(url, ada, {lobby: seen})
    listeners.append(back)
    back.wait_for_seq(lobby, seen + 500)
    back.wait_for(lambda: bool(back.markers("resumed")))
    assert back.markers("resumed") == [{"channel_id": lobby, "last_seq": seen + 500}]
    # python-socketio runs each handler in its own thread, so arrival order is not the
    # server's order: the client applies by seq (docs/realtime-v2.md), and so do we.
    assert len([name for name, _ in back.received if name == "message_posted"]) == 500
    replayed = back.applied[lobby]
    assert [e["message"] for e in replayed] == posted
    assert [e["seq"] for e in replayed] == list(range(seen + 1, seen + 501))
    assert back.duplicates == 0


@pytest.mark.own_cluster  # it kills an instance
def test_an_instance_killed_under_load_loses_no_acknowledged_message(
    topology: RunningCluster, url: str, listeners: list[Listener]
) -> None:
    ada = Member(url)
    lobby = ada.channel(f"load-{uuid.uuid4().hex[:6]}")
    members = [Member(url) for _ in range(12)]
    for member in members:
        ada.invite(lobby, member)
    start = last_seq(ada, lobby)
    watchers = [
        Listener(
            url,
            member,
            {lobby: start},
            reconnect=True,
            transport="websocket" if i % 2 else "polling",
        )
        for i, member in enumerate(members)
    ]
    listeners.extend(watchers)
    assert all(count > 0 for count in sessions_per_instance(topology).values())
    posters = [Listener(url, ada, {}, reconnect=True) for _ in range(4)]
    listeners.extend(posters)
    acknowledged: list[int] = []
    numbers = itertools.count()
    killed = threading.Event()

    def post_until_done(poster: Listener) -> None:
        deadline = time.monotonic() + 60
        while (n := next(numbers)) < 200:
            if n == 60:
                topology.kill("web1")
                killed.set()
            send_id = f"load-{n}"
            while time.monotonic() < deadline:  # resend, same client_msg_id, until acked
                try:
                    ack = poster.post(lobby, f"load {n}", send_id)
                except Exception:  # disconnected, or no answer: try again
                    time.sleep(0.2)
                    continue
                if ack.get("status") in (200, 201):
                    acknowledged.append(ack["message"]["id"])
                    break
                time.sleep(0.2)

    with ThreadPoolExecutor(len(posters)) as pool:
        list(pool.map(post_until_done, posters))
    assert killed.is_set()
    assert len(set(acknowledged)) == 200
    end = last_seq(ada, lobby)  # (through the survivor)
    for listener in watchers:
        # An event web1 committed just before SIGKILL is pushed by web2's relay from the
        # outbox; web1's clients resume on web2 with their cursors. No gap is fetched.
        listener.wait_for_seq(lobby, end, timeout=40)
        assert set(acknowledged) <= set(listener.message_ids(lobby))
        assert [e["seq"] for e in listener.applied[lobby]] == list(range(start + 1, end + 1))
