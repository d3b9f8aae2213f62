"""The real thing: `parley db upgrade`, then gunicorn with its gevent worker, over HTTP."""

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def call(
    url: str, method: str = "GET", body: object = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            status, response_headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        raw, status, response_headers = error.read(), error.code, dict(error.headers)
    return status, response_headers, json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated embedded-default Parley on a free loopback port."""
    instance = tmp_path_factory.mktemp("instance")
    port = free_port()
    env = {
        **os.environ,
        "PARLEY_INSTANCE_PATH": str(instance),
        "PARLEY_BIND": f"127.0.0.1:{port}",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST_KIB": "8",
        "ARGON2_PARALLELISM": "1",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([BIN / "parley", "db", "upgrade"], env=env, cwd=ROOT, check=True, timeout=60)
    process = subprocess.Popen(
        [BIN / "gunicorn", "--config", "deploy/gunicorn.conf.py", "parley.wsgi:app"],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                call(f"{base}/stats")
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer within 30 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert (instance / "parley.db").exists()


def test_flack_client_flow_over_http(server: str) -> None:
    status, headers, user = call(
        f"{server}/api/users", "POST", {"nickname": "alice", "password": "pw1"}
    )
    assert status == 201
    assert headers["Location"] == f"{server}/api/users/{user['id']}"  # type: ignore[index]

    basic = base64.b64encode(b"alice:pw1").decode()
    status, _, body = call(
        f"{server}/api/tokens", "POST", headers={"Authorization": f"Basic {basic}"}
    )
    assert status == 200
    bearer = {"Authorization": f"Bearer {body['token']}"}  # type: ignore[index]

    status, _, message = call(f"{server}/api/messages", "POST", {"source": "*hi*"}, bearer)
    assert status == 201
    assert message["html"] == "<em>hi</em>"  # type: ignore[index]

    status, _, listing = call(f"{server}/api/messages")
    assert [m["id"] for m in listing["messages"]] == [message["id"]]  # type: ignore[index]

    status, _, users = call(f"{server}/api/users?online=1")
    assert [u["nickname"] for u in users["users"]] == ["alice"]  # type: ignore[index]


def test_bad_input_is_a_json_4xx_over_http(server: str) -> None:
    status, headers, body = call(f"{server}/api/users", "POST", {"nickname": "bob"})

    assert status == 400
    assert headers["Content-Type"] == "application/json"
    assert body["errors"] == {"password": ["Missing data for required field."]}  # type: ignore[index]


def test_stats_count_the_servers_requests(server: str) -> None:
    for _ in range(10):
        call(f"{server}/api/users")

    status, _, body = call(f"{server}/stats")

    assert status == 200
    assert body["requests_per_second"] >= 11 / 15  # type: ignore[index]
