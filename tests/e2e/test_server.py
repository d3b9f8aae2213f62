"""The real thing, as `make run` starts it: `parley serve` on a fresh instance folder (it
migrates, then supervisord runs the embedded Redis, gunicorn with its gevent worker,
Celery), over HTTP."""

import base64
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import (
    answer_of,
    call,
    parley_serve,
    post_as_new_user,
    server_env,
)
from tests.sockets import PushRecorder, message_with_source

# Each served URL's instance folder.
server_instances: dict[str, Path] = {}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An embedded-default Parley (SQLite and Redis in its instance folder)."""
    instance = tmp_path_factory.mktemp("instance")
    env = server_env(PARLEY_INSTANCE_PATH=str(instance))
    with parley_serve(env, instance, instance.parent / "serve.log") as served:
        server_instances[served.url] = instance
        yield served.url
    assert (instance / "parley.db").exists()
    assert (instance / "redis" / "appendonly.aof").stat().st_size > 0


def test_flack_client_flow_over_http(server: str) -> None:
    status, headers, user = call(
        f"{server}/api/users", "POST", {"nickname": "alice", "password": "pw1"}
    )
    assert status == 201
    assert headers["Location"] == f"{server}/api/users/{user['id']}"

    basic = base64.b64encode(b"alice:pw1").decode()
    status, _, body = call(
        f"{server}/api/tokens", "POST", headers={"Authorization": f"Basic {basic}"}
    )
    assert status == 200
    bearer = {"Authorization": f"Bearer {body['token']}"}

    status, headers, _ = call(f"{server}/api/messages", "POST", {"source": "*hi*"}, bearer)
    assert status == 202
    status, message = answer_of(headers["Location"], bearer)
    assert status == 201
    assert message["html"] == "<em>hi</em>"

    status, _, listing = call(f"{server}/api/messages")
    assert [m["id"] for m in listing["messages"]] == [message["id"]]

    status, _, users = call(f"{server}/api/users?online=1")
    assert [u["nickname"] for u in users["users"]] == ["alice"]


def test_bad_input_is_a_json_4xx_over_http(server: str) -> None:
    status, headers, body = call(f"{server}/api/users", "POST", {"nickname": "bob"})

    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert body["errors"] == {"password": ["Missing data for required field."]}


def test_stats_count_the_servers_requests(server: str) -> None:
    for _ in range(10):
        call(f"{server}/api/users")

    status, _, body = call(f"{server}/stats")

    assert status == 200
    assert body["requests_per_second"] >= 11 / 15


def test_the_embedded_worker_pushes_to_the_servers_sockets(server: str) -> None:
    """Through the embedded Redis: the worker posts, the web server's sockets hear of it."""
    listener = PushRecorder(server, "websocket")
    try:
        marker = uuid.uuid4().hex

        posted = post_as_new_user(server, marker)

        assert [p["model"] for p in listener.wait_for(message_with_source(marker))] == [posted]
    finally:
        listener.close()


def test_only_the_owner_reaches_the_embedded_redis_and_supervisord(server: str) -> None:
    instance = server_instances[server]

    assert stat.S_IMODE((instance / "redis.sock").stat().st_mode) == 0o600
    assert stat.S_IMODE((instance / "redis").stat().st_mode) == 0o700
    assert stat.S_IMODE((instance / "run" / "supervisor.sock").stat().st_mode) == 0o700
