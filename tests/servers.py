"""Real Parley servers for tests: a migrated database, then gunicorn with the gevent worker."""

import base64
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Headers

from parley.cluster import ClusterPlan, Instance, worker_command
from parley.deploy_templates import GUNICORN_CONFIG
from parley.supervision import supervisor_client
from tests.topology import wait_until_serving as wait_until_serving

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Cheap hashing: these tests are about serving, not about Argon2's cost.
FAST_HASHING = {"ARGON2_TIME_COST": "1", "ARGON2_MEMORY_COST_KIB": "8", "ARGON2_PARALLELISM": "1"}
# Load from one address and user would trip the limits; tests/security/ turns them on.
NO_RATE_LIMITS = {"RATE_LIMITS_ENABLED": "0"}


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def free_ports_in_a_row(count: int) -> int:
    """The first of `count` consecutive loopback ports that nothing holds now.

    Taken below the kernel's ephemeral range: outgoing connections take their local
    ports from that range, so the neighbour of a port it handed out may be a client's
    (a cluster's second instance once failed to bind for that reason).
    """
    try:
        ephemeral_start = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        ephemeral_start = 32768
    for _ in range(200):
        first = random.randrange(20000, ephemeral_start - count)  # noqa: S311 (not a secret)
        if all(_bindable(first + n) for n in range(count)):
            return first
    raise RuntimeError(f"no {count} free ports in a row below {ephemeral_start}")


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def call(
    url: str, method: str = "GET", body: object = None, headers: dict[str, str] | None = None
) -> tuple[int, Headers, object]:
    """One HTTP request: status, headers (any case: HAProxy lower-cases them) and decoded
    JSON body (None when empty)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            status, response_headers = response.status, Headers(list(response.headers.items()))
    except urllib.error.HTTPError as error:
        raw, status, response_headers = (
            error.read(),
            error.code,
            Headers(list(error.headers.items())),
        )
    if not raw:
        return status, response_headers, None
    try:
        return status, response_headers, json.loads(raw)
    except ValueError:  # an HTML error page, e.g. from a load balancer
        return status, response_headers, raw.decode(errors="replace")


def two_instance_plan(database: str, run_dir: Path) -> ClusterPlan:
    """Two instances and HAProxy on free loopback ports, on a fresh migrated PostgreSQL
    database of this name and the tests' Redis."""
    from tests.conftest import REDIS_URL, migrated_postgres_database

    return ClusterPlan(
        instances=[Instance(f"web{i}", "127.0.0.1", free_port()) for i in (1, 2)],
        balancer=f"127.0.0.1:{free_port()}",
        database_url=migrated_postgres_database(database).replace("+psycopg", ""),
        redis_url=REDIS_URL,
        run_dir=run_dir,
    )


def migrate(env: dict[str, str]) -> None:
    """Run `parley db upgrade` with these settings."""
    subprocess.run([BIN / "parley", "db", "upgrade"], env=env, cwd=ROOT, check=True, timeout=60)


def migrated_instance(instance: Path, template: Path) -> None:
    """An instance folder whose embedded database is migrated: a copy of the run's
    migrated SQLite file (conftest's sqlite_template), as `parley db upgrade` would make."""
    instance.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, instance / "parley.db")


def server_env(**settings: str) -> dict[str, str]:
    """The environment of a server process: this one's, without Parley settings leaking in."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, **FAST_HASHING, **NO_RATE_LIMITS, **settings}


def shared_env(database: str, **settings: str) -> dict[str, str]:
    """The migrated environment of processes sharing a fresh PostgreSQL database and Redis,
    on a channel, queue and key prefix of their own."""
    from tests.conftest import REDIS_URL, migrated_postgres_database

    run = uuid.uuid4().hex
    return server_env(
        DATABASE_URL=migrated_postgres_database(database).replace("+psycopg", ""),
        REDIS_URL=REDIS_URL,
        REDIS_KEY_PREFIX=f"parley-test-{run}:",
        CELERY_QUEUE=f"parley-test-{run}",
        SECRET_KEY=run,
        **settings,
    )


@contextmanager
def parley_server(
    env: dict[str, str], port: int | None = None, log: Path | None = None
) -> Iterator[str]:
    """A gunicorn instance serving Parley on loopback (its output to `log` if given);
    yields its base URL."""
    port = port or free_port()
    output = open(log, "wb") if log else None  # noqa: SIM115 -- open as long as the server
    process = subprocess.Popen(
        [BIN / "gunicorn", "--config", GUNICORN_CONFIG, "parley.wsgi:app"],
        env={**env, "PARLEY_BIND": f"127.0.0.1:{port}"},
        cwd=ROOT,
        stdout=output,
        stderr=output,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        if output is not None:
            output.close()


@dataclass
class Supervised:
    """A running `parley serve` or `parley cluster`: supervisord and what it runs."""

    url: str
    run_dir: Path
    process: subprocess.Popen[bytes]

    def pid(self, name: str) -> int:
        """The pid of a supervised program (0 while it is not running)."""
        with supervisor_client(self.run_dir) as client:
            info: dict[str, Any] = client.supervisor.getProcessInfo(name)
        return int(info["pid"]) if info["statename"] == "RUNNING" else 0

    def kill(self, name: str) -> int:
        """SIGKILL a supervised program (its children are orphaned, as in a crash); its pid."""
        pid = self.pid(name)
        assert pid, f"{name} is not running"
        os.kill(pid, signal.SIGKILL)
        return pid

    def wait_restarted(self, name: str, old_pid: int, timeout: float = 30.0) -> float:
        """Seconds until supervisord reports `name` running again under a new pid."""
        started = time.monotonic()
        wait_until(lambda: self.pid(name) not in (0, old_pid), timeout)
        return time.monotonic() - started


@contextmanager
def parley_serve(env: dict[str, str], instance: Path, log: Path) -> Iterator[Supervised]:
    """`parley serve` (the embedded default under supervisord) on a free loopback port,
    with its instance folder at `instance`; stopped with SIGTERM, as Ctrl-C would."""
    port = free_port()
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [BIN / "parley", "serve"],
            env={**env, "PARLEY_INSTANCE_PATH": str(instance), "PARLEY_BIND": f"127.0.0.1:{port}"},
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        served = Supervised(f"http://127.0.0.1:{port}", instance / "run", process)
        try:
            wait_until_serving(served.url, process, seconds=60)
            yield served
        finally:
            process.terminate()
            process.wait(timeout=90)


@contextmanager
def celery_worker(env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A real Celery worker process with the servers' configuration (broker included)."""
    process = subprocess.Popen(
        worker_command(concurrency=1), env=env, cwd=ROOT, start_new_session=True
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def sign_up_with_token(url: str, nickname: str | None = None) -> str:
    """Sign up (a fresh nickname unless given) over HTTP and return a v1 token."""
    nickname = nickname or f"u{uuid.uuid4().hex[:12]}"
    status, _, body = call(f"{url}/api/users", "POST", {"nickname": nickname, "password": "pw"})
    assert status == 201, (status, body)
    basic = base64.b64encode(f"{nickname}:pw".encode()).decode()
    _, _, body = call(f"{url}/api/tokens", "POST", headers={"Authorization": f"Basic {basic}"})
    return body["token"]


def post_as_new_user(url: str, source: str) -> dict[str, Any]:
    """Sign up a fresh user and post a message as them."""
    token = sign_up_with_token(url)
    bearer = {"Authorization": f"Bearer {token}"}
    status, headers, job = call(f"{url}/api/messages", "POST", {"source": source}, bearer)
    assert status == 202, (status, job)
    status, message = answer_of(headers["Location"], bearer)
    assert status == 201, (status, message)
    return message


def answer_of(location: str, headers: dict[str, str], timeout: float = 30.0) -> tuple[int, Any]:
    """Poll a job's Location until a worker has answered; return (status, body)."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = call(location, headers=headers)
        if status != 202:
            return status, body
        if time.monotonic() > deadline:
            raise AssertionError(f"{location} still pending after {timeout} s")
        time.sleep(0.05)


def running(pid: int) -> bool:
    """Whether a process runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def wait_until(condition: Any, timeout: float = 15.0) -> None:
    """Poll a condition until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(0.1)
