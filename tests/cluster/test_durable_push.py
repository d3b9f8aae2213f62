"""Pushes that survive what used to lose them: an instance killed between its commit
and its push, and a Redis restart. Two instances behind HAProxy on PostgreSQL and a
Redis of the test's own (so that it can be killed), 50 clients on the surviving
instance, v1 and v2, that never fetch a gap (no protocol rule 3): every event must
reach each of them live, once.
"""

import dataclasses
import itertools
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis

from parley import embedded_redis
from tests.servers import FAST_HASHING, NO_RATE_LIMITS, ROOT, call, two_instance_plan
from tests.sockets import PushRecorder
from tests.topology import RunningCluster, start_cluster
from tests.v2_clients import Listener, Member

V2_CLIENTS = V1_CLIENTS = 25
POSTS = 200
KILL_AT, REDIS_RESTART_AT = 60, 120
RECOVERY_SECONDS = 2.0  # after the last acknowledgement, every client has every event


class PrivateRedis:
    """A redis-server of the test's own on a unix socket, with its append-only file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.url = embedded_redis.url(folder)
        self.process = self._start()

    def _start(self) -> subprocess.Popen[bytes]:
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 -- the server's stdout
        process = subprocess.Popen(embedded_redis.server_command(self.folder), stdout=log)
        log.close()
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return process
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def restart(self) -> None:
        """kill -9, then start again on the same socket and file."""
        self.process.kill()
        self.process.wait(timeout=10)
        self.process = self._start()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def topology(tmp_path: Path, private_redis: PrivateRedis) -> Iterator[RunningCluster]:
    plan = dataclasses.replace(
        two_instance_plan("parley_test_durable_push", tmp_path / "cluster"),
        redis_url=private_redis.url,
    )
    env = {**FAST_HASHING, **NO_RATE_LIMITS, "CELERY_QUEUE": f"parley-test-{uuid.uuid4().hex}"}
    with start_cluster(plan, env=env, cwd=ROOT) as running:
        yield running


@pytest.mark.own_cluster  # it kills an instance
def test_no_push_is_lost_to_a_killed_instance_or_a_redis_restart(
    topology: RunningCluster, private_redis: PrivateRedis
) -> None:
    first, second = (f"http://{i.address}" for i in topology.plan.instances)
    poster = Member(topology.plan.balancer_url)
    status, listing = poster.call("GET", "/channels")
    assert status == 200, listing
    general = next(c["id"] for c in listing["channels"] if c["name"] == "general")
    members = [Member(second) for _ in range(V2_CLIENTS)]
    start = max(m.call("GET", f"/channels/{general}")[1]["last_seq"] for m in members)
    v2 = [Listener(second, member, {general: start}) for member in members]
    v1 = [PushRecorder(second, "websocket") for _ in range(V1_CLIENTS)]
    try:
        acknowledged = _post_through_the_faults(topology, private_redis, poster, general, first)
        done = time.monotonic()
        end = poster.call("GET", f"/channels/{general}")[1]["last_seq"]

        for listener in v2:
            remaining = max(0.0, done + RECOVERY_SECONDS - time.monotonic())
            listener.wait_for_seq(general, end, timeout=remaining)  # no gap fetched
        print(f"every v2 client had every event {time.monotonic() - done:.2f} s after the last ack")
        posted = set(v2[0].message_ids(general))
        assert set(acknowledged) <= posted
        for listener in v2:
            assert listener.duplicates == 0
            assert [e["seq"] for e in listener.applied[general]] == list(range(start + 1, end + 1))
            assert set(listener.message_ids(general)) == posted
        for recorder in v1:
            _wait_until(recorder, posted, done + RECOVERY_SECONDS)
            pushed = [p["model"]["id"] for p in recorder.pushes if p["class"] == "Message"]
            assert sorted(pushed) == sorted(posted)  # each once
    finally:
        for listener in v2:
            listener.close()
        for recorder in v1:
            recorder.close()


def _v1_ids(recorder: PushRecorder) -> set[int]:
    return {p["model"]["id"] for p in list(recorder.pushes) if p["class"] == "Message"}


def _wait_until(recorder: PushRecorder, posted: set[int], deadline: float) -> None:
    """Wait until a v1 client was pushed every message (no client rule can fetch one)."""
    while not _v1_ids(recorder) >= posted:
        assert time.monotonic() < deadline, f"missing: {sorted(posted - _v1_ids(recorder))}"
        time.sleep(0.02)


def _post_through_the_faults(
    topology: RunningCluster, server: PrivateRedis, poster: Member, channel: int, first: str
) -> list[int]:
    """POSTS posts from 4 threads to the first instance (the balancer once it is gone),
    each resent with its client_msg_id until acknowledged; the first instance is
    killed at post KILL_AT and Redis restarted at post REDIS_RESTART_AT."""
    acknowledged: list[int] = []
    numbers = itertools.count()
    faults = {KILL_AT: lambda: topology.kill("web1"), REDIS_RESTART_AT: server.restart}
    fault_lock = threading.Lock()
    killed = threading.Event()

    def post_until_done() -> None:
        deadline = time.monotonic() + 90
        while (n := next(numbers)) < POSTS:
            with fault_lock:
                if n in faults:
                    faults.pop(n)()
                if n == KILL_AT:
                    killed.set()
            body = {"source": f"durable {n}", "client_msg_id": f"durable-{n}"}
            while time.monotonic() < deadline:
                base = topology.plan.balancer_url if killed.is_set() else first
                try:
                    status, message = _post(poster, base, channel, body)
                except OSError:  # the instance died under the request: send it again
                    status, message = 0, None
                if status in (200, 201):
                    acknowledged.append(message["id"])
                    break
                time.sleep(0.1)

    with ThreadPoolExecutor(4) as pool:
        for future in [pool.submit(post_until_done) for _ in range(4)]:
            future.result()
    assert not faults, "every fault was injected"
    assert len(set(acknowledged)) == POSTS
    return acknowledged


def _post(member: Member, base: str, channel: int, body: dict[str, Any]) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {member.token}"}
    status, _, answer = call(f"{base}/api/v2/channels/{channel}/messages", "POST", body, headers)
    return status, answer
