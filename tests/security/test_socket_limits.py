"""Attack: sockets as a hostile client would open them, against a real gevent server:
many connections from one address, a namespace connected again and again, one user's
many sockets, a resume naming many channels, and floods of what no client sends."""

import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

import psycopg
import pytest
import websocket

from tests.raw_socket import RawSocket, SocketClosedError
from tests.servers import call, parley_server, shared_env, wait_until
from tests.v2_clients import Member

LIMITS_ON = {"RATE_LIMITS_ENABLED": "1", "RATE_LIMIT_SIGN_UP": "1000 per minute"}


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A gevent server with the limits on and the settings of the test's `limits` mark."""
    mark = request.node.get_closest_marker("limits")
    settings = {**LIMITS_ON, **(mark.kwargs if mark else {})}
    with parley_server(shared_env("parley_test_socket_limits", **settings)) as url:
        yield url


def refusal_of(answer: str) -> dict[str, object]:
    """The envelope of a refused namespace connect (`4<ns>,{"message", "data"}`)."""
    body: dict[str, dict[str, object]] = json.loads(answer[answer.index("{") :])
    return body["data"]


@pytest.mark.limits(RATE_LIMIT_SOCKET_CONNECTS="5 per minute")
def test_handshakes_from_one_address_are_counted_across_connections(server: str) -> None:
    with ExitStack() as opened:
        for _ in range(5):
            opened.callback(RawSocket(server).close)
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            RawSocket(server)
        status, headers, body = call(f"{server}/socket.io/?EIO=4&transport=polling")

    assert refused.value.status_code == 429
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert isinstance(body, dict)
    assert body["code"] == 429


@pytest.mark.limits(RATE_LIMIT_SOCKET_CONNECTS="5 per minute")
def test_connecting_a_namespace_again_and_again_is_limited(server: str) -> None:
    member = Member(server)
    raw = RawSocket(server)
    try:
        answers = []
        for _ in range(8):
            answers.append(raw.connect("/v2", {"token": member.token}))
            raw.send("1/v2,")  # and leave it again
    finally:
        raw.close()

    assert [a[:4] for a in answers] == ["0/v2"] * 5 + ["4/v2"] * 3
    assert refusal_of(answers[-1])["code"] == 429


def connect_when_admitted(raw: RawSocket, token: str) -> str:
    """Connect /v2, again while refused (the server hears of a socket gone in its own
    time), at most 20 times; the last answer."""
    for _ in range(20):
        answer = raw.connect("/v2", {"token": token})
        if answer.startswith("0/v2"):
            break
        time.sleep(0.1)
    return answer


@pytest.mark.limits(SOCKETS_PER_USER_MAX="3")
def test_a_user_holds_so_many_sockets_at_once(server: str) -> None:
    member = Member(server)
    sockets = [RawSocket(server) for _ in range(5)]
    try:
        answers = [raw.connect("/v2", {"token": member.token}) for raw in sockets[:4]]
        sockets[0].close()
        sockets[1].send("1/v2,")  # one leaves the namespace, one the connection
        again = connect_when_admitted(sockets[4], member.token)
        other = Member(server)
        theirs = sockets[3].connect("/v2", {"token": other.token})
    finally:
        for raw in sockets:
            raw.close()

    assert [a[:4] for a in answers] == ["0/v2"] * 3 + ["4/v2"]
    assert refusal_of(answers[3])["code"] == 429
    assert again.startswith("0/v2")
    assert theirs.startswith("0/v2")


@pytest.mark.limits(SOCKETS_PER_ADDRESS_MAX="3")
def test_an_address_holds_so_many_sockets_at_once(server: str) -> None:
    sockets = [RawSocket(server) for _ in range(4)]
    try:
        answers = [raw.connect("/") for raw in sockets]
    finally:
        for raw in sockets:
            raw.close()

    assert [a[:1] for a in answers] == ["0"] * 3 + ["4"]
    assert refusal_of(answers[3])["code"] == 429


@pytest.mark.limits(
    RATE_LIMIT_SOCKET_EVENTS="30 per 10 seconds", RATE_LIMIT_SOCKET_EVENTS_USER="10 per 10 seconds"
)
def test_the_events_of_all_a_users_sockets_share_one_budget(server: str) -> None:
    member = Member(server)
    general = member.call("GET", "/channels")[1]["channels"][0]["id"]
    sockets = [RawSocket(server) for _ in range(3)]
    try:
        for raw in sockets:
            assert raw.connect("/v2", {"token": member.token}).startswith("0/v2")
        statuses = [
            raw.emit("/v2", "typing", {"channel_id": general}, ack_id=n)[0]
            for n in range(5)
            for raw in sockets
        ]
    finally:
        for raw in sockets:
            raw.close()

    refused = [ack for ack in statuses if ack["status"] == 429]
    assert len(refused) == 5, statuses


@pytest.mark.limits(REPLAY_MAX_PER_RESUME="5")
def test_one_resume_replays_so_many_events_and_tells_the_rest_to_resync(server: str) -> None:
    member = Member(server)
    rooms = [member.channel(f"r{uuid.uuid4().hex[:8]}") for _ in range(3)]
    for room in rooms:
        for n in range(4):
            member.post(room, f"message {n}", uuid.uuid4().hex)
    raw = RawSocket(server)
    try:
        raw.connect("/v2", {"token": member.token, "cursors": {str(r): 0 for r in rooms}})
        raw.read_until(
            lambda: sum(name in ("resumed", "resync") for name, _ in raw.events("/v2")) == 3
        )
    finally:
        raw.close()

    ends = {
        payload["channel_id"]: name
        for name, payload in raw.events("/v2")
        if name in ("resumed", "resync")
    }
    replayed = [p for name, p in raw.events("/v2") if name == "message_posted"]
    assert list(ends.values()).count("resumed") == 1
    assert list(ends.values()).count("resync") == 2
    assert len(replayed) <= 5


def test_a_flood_of_lifecycle_events_closes_the_connection(
    tmp_path: Path,
) -> None:
    log = tmp_path / "server.log"
    with parley_server(shared_env("parley_test_socket_floods", **LIMITS_ON), log=log) as url:
        member = Member(url)
        raw = RawSocket(url)
        raw.connect("/v2", {"token": member.token})
        with suppress(websocket.WebSocketConnectionClosedException, OSError):
            for n in range(300):
                raw.send(f'2/v2,{n}["disconnect"]')
        with suppress(SocketClosedError, OSError):
            raw.read_for(3)
        closed = not raw.connected
        raw.close()
        status, _, _ = call(f"{url}/healthz")
    lines = [
        line
        for line in log.read_text().splitlines()
        if "'disconnect'" in line or "no client sends" in line
    ]

    assert status == 200
    assert closed
    assert sum(p.startswith("3/v2,") for p in raw.packets) <= 3
    assert len(lines) == 2, lines


def test_a_flood_of_malformed_packets_closes_the_connection(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with parley_server(shared_env("parley_test_socket_floods", **LIMITS_ON), log=log) as url:
        raw = RawSocket(url)
        with suppress(websocket.WebSocketConnectionClosedException, OSError):
            for _ in range(300):
                raw.send("2/v2,abc")
        with suppress(SocketClosedError, OSError):
            raw.read_for(3)
        closed = not raw.connected
        raw.close()
    text = log.read_text()
    lines = [
        line
        for line in text.splitlines()
        if "malformed packet" in line or "no client sends" in line
    ]

    assert closed
    assert "Traceback" not in text
    assert len(lines) == 2, lines


def test_a_connect_that_finds_no_database_connection_free_is_refused_with_a_retry(
    tmp_path: Path,
) -> None:
    """A storm of connects outlasting the pool's wait: a 503 refusal that says when to
    try again (the browser client does), not a connect the client waits out."""
    env = shared_env(
        "parley_test_socket_pool",
        DATABASE_POOL_SIZE="2",  # the relay's own, and one for requests and events
        DATABASE_POOL_OVERFLOW="0",
        DATABASE_POOL_TIMEOUT="0.5",
    )
    with parley_server(env) as url:
        member = Member(url)
        first, second = RawSocket(url), RawSocket(url)
        with psycopg.connect(env["DATABASE_URL"]) as blocker, ThreadPoolExecutor(1) as pool:
            # The first connect's write waits for this lock, holding the pool's connection.
            blocker.execute("LOCK TABLE socket_sessions IN ACCESS EXCLUSIVE MODE")
            waiting = pool.submit(first.connect, "/v2", {"token": member.token})
            wait_until(lambda: lock_waiters(blocker) == 1)
            refused = second.connect("/v2", {"token": member.token})
            blocker.commit()
            admitted = waiting.result(timeout=10)
        again = second.connect("/v2", {"token": member.token})
        status, _, _ = call(f"{url}/healthz")
        first.close()
        second.close()

    assert refused.startswith("4/v2,")
    assert refusal_of(refused)["code"] == 503
    assert refusal_of(refused)["retry_after"] == 2
    assert admitted.startswith("0/v2,")
    assert again.startswith("0/v2,")
    assert status == 200


def lock_waiters(connection: psycopg.Connection[Any]) -> int:
    """How many other sessions of its database wait for a lock (read outside the
    connection's transaction)."""
    with psycopg.connect(connection.info.dsn) as reader:
        row = reader.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        ).fetchone()
    assert row is not None
    return int(row[0])
