"""Two real gunicorn/gevent instances sharing PostgreSQL and the Redis message queue.

python-socketio clients connect to each instance, over WebSocket and long-polling;
what happens on one instance reaches the clients of the other, exactly once.
"""

import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
import websocket

from tests.servers import (
    answer_of,
    call,
    celery_worker,
    parley_server,
    shared_env,
    sign_up_with_token,
)
from tests.sockets import PushRecorder


@pytest.fixture(scope="module")
def instances() -> Iterator[list[str]]:
    """Two instances on their own ports, one database, one Redis channel."""
    env = shared_env("parley_test_instances")
    with ExitStack() as stack:
        stack.enter_context(celery_worker(env))
        yield [stack.enter_context(parley_server(env)) for _ in range(2)]


@pytest.fixture
def listeners() -> Iterator[list[PushRecorder]]:
    """Clients made by the test, disconnected afterwards."""
    made: list[PushRecorder] = []
    yield made
    for listener in made:
        listener.close()


def test_rest_post_on_one_instance_reaches_every_client_once(
    instances: list[str], listeners: list[PushRecorder]
) -> None:
    first, second = instances
    listeners += [
        PushRecorder(first, "websocket"),
        PushRecorder(first, "polling"),
        PushRecorder(second, "websocket"),
        PushRecorder(second, "polling"),
    ]
    token = sign_up_with_token(first, f"poster-{uuid.uuid4().hex[:8]}")
    marker = uuid.uuid4().hex

    bearer = {"Authorization": f"Bearer {token}"}
    status, headers, _ = call(f"{first}/api/messages", "POST", {"source": marker}, bearer)
    assert status == 202
    status, posted = answer_of(headers["Location"], bearer)
    assert status == 201

    def is_it(p: dict[str, Any]) -> bool:
        return p["class"] == "Message" and p["model"]["source"] == marker

    for listener in listeners:
        assert [p["model"] for p in listener.wait_for(is_it)] == [posted]
    time.sleep(0.5)  # a duplicate would arrive about as fast as the original did
    assert all(len([p for p in listener.pushes if is_it(p)]) == 1 for listener in listeners)


def test_socket_post_on_one_instance_reaches_the_other(
    instances: list[str], listeners: list[PushRecorder]
) -> None:
    first, second = instances
    sender, receiver = PushRecorder(first, "websocket"), PushRecorder(second, "polling")
    listeners += [sender, receiver]
    token = sign_up_with_token(second, f"socket-{uuid.uuid4().hex[:8]}")
    marker = uuid.uuid4().hex

    ack = sender.client.call("post_message", ({"source": marker}, token), timeout=10)

    found = receiver.wait_for(lambda p: p["class"] == "Message" and p["model"]["source"] == marker)
    assert [p["model"] for p in found] == [ack]


def test_clients_on_every_instance_see_concurrent_posts_in_one_order(
    instances: list[str], listeners: list[PushRecorder]
) -> None:
    # Each instance delivers broadcasts from the Redis queue, its own posts included,
    # so the queue's order is every socket's. An instance that delivered its own posts
    # before publishing them would show its clients its posts first.
    watchers = [PushRecorder(base, "websocket") for base in instances]
    per_instance = 3
    posters = [PushRecorder(base, "websocket") for base in instances for _ in range(per_instance)]
    listeners += [*watchers, *posters]
    tokens = {base: sign_up_with_token(base, f"order-{uuid.uuid4().hex[:8]}") for base in instances}
    run, posts_each = uuid.uuid4().hex, 8

    def post_all(poster: PushRecorder, token: str, name: str) -> None:
        for n in range(posts_each):
            source = f"{run} {name} {n}"
            poster.client.call("post_message", ({"source": source}, token), timeout=10)

    threads = [
        threading.Thread(
            target=post_all, args=(poster, tokens[instances[i // per_instance]], f"p{i}")
        )
        for i, poster in enumerate(posters)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    expected = len(posters) * posts_each
    for watcher in watchers:
        watcher.wait_for(lambda _, w=watcher: len(ours(w, run)) == expected)  # type: ignore[misc]
    assert ours(watchers[0], run) == ours(watchers[1], run)


def ours(listener: PushRecorder, run: str) -> list[str]:
    """The sources of this run's messages, in the order the listener received them."""
    return [source for source in listener.message_sources() if source.startswith(run)]


def test_presence_crosses_instances(instances: list[str], listeners: list[PushRecorder]) -> None:
    first, second = instances
    watcher, pinger = PushRecorder(first, "websocket"), PushRecorder(second, "websocket")
    listeners.append(watcher)
    nickname = f"present-{uuid.uuid4().hex[:8]}"
    token = sign_up_with_token(second, nickname)
    # Taking a token counted as seen: wait for that push, not the sign-up's (whose user is
    # offline too), before the disconnect that starts the test from offline. Matching the
    # sign-up's push instead let the next ping land before that disconnect was handled.
    watcher.wait_for(lambda p: p["model"].get("nickname") == nickname and p["model"]["online"])
    watcher.pushes.clear()
    pinger.client.call("ping_user", token, timeout=10)
    pinger.client.disconnect()
    watcher.wait_for(lambda p: p["model"].get("nickname") == nickname and not p["model"]["online"])
    watcher.pushes.clear()
    pinger = PushRecorder(second, "polling")
    listeners.append(pinger)

    assert pinger.client.call("ping_user", token, timeout=10) is None  # an ack with no data
    watcher.wait_for(lambda p: p["model"].get("nickname") == nickname and p["model"]["online"])

    pinger.client.disconnect()
    watcher.wait_for(lambda p: p["model"].get("nickname") == nickname and not p["model"]["online"])


def polling_handshake(base: str, origin: str) -> int:
    """Open an Engine.IO session over long-polling with this Origin; return the status."""
    status, _, _ = call_raw(f"{base}/socket.io/?EIO=4&transport=polling", origin)
    return status


def call_raw(url: str, origin: str) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Origin": origin})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return (
                response.status,
                response.headers.get("Content-Type", ""),
                response.read().decode(),
            )
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def websocket_handshake(base: str, origin: str) -> str:
    """Open a WebSocket with this Origin; return the Engine.IO open packet."""
    ws_url = base.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    connection = websocket.create_connection(ws_url, origin=origin, timeout=10)
    try:
        packet = connection.recv()
        assert isinstance(packet, str)
        return packet
    finally:
        connection.close()


def test_a_foreign_origin_gets_no_session(instances: list[str]) -> None:
    base = instances[0]

    assert polling_handshake(base, "http://evil.example") == 400
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket_handshake(base, "http://evil.example")


def test_the_servers_own_origin_gets_a_session(instances: list[str]) -> None:
    base = instances[0]

    assert polling_handshake(base, base) == 200
    assert websocket_handshake(base, base).startswith("0{")  # Engine.IO "open"


def test_websocket_compression_is_declined(instances: list[str]) -> None:
    ws_url = instances[0].replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    connection = websocket.create_connection(
        ws_url, header=["Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"]
    )
    try:
        accepted = {k.lower(): v for k, v in (connection.getheaders() or {}).items()}
        assert connection.getstatus() == 101
        assert "sec-websocket-extensions" not in accepted
    finally:
        connection.close()
