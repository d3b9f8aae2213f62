"""The scaled topology, owned by the test: instances and HAProxy as separate processes,
so a test can kill one. Built from the same parts `parley cluster` uses.
"""

import csv
import io
import os
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from parley.cluster import (
    ClusterPlan,
    Instance,
    balancer_command,
    instance_command,
    instance_environment,
    prepare,
)
from tests.conftest import REDIS_URL, recreate_postgres_database
from tests.servers import FAST_HASHING, ROOT, free_port, wait_until_serving


@dataclass
class Topology:
    """A running cluster whose processes the test owns (so it can kill one)."""

    plan: ClusterPlan
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def instance_stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's `show stat` row of each instance."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.plan.stats_socket))
            sock.sendall(b"show stat\n")
            raw = b"".join(iter(lambda: sock.recv(65536), b""))
        rows = csv.DictReader(io.StringIO(raw.decode().lstrip("# ")))
        return {
            row["svname"]: row
            for row in rows
            if row["pxname"] == "web" and row["svname"].startswith("web")
        }

    def sessions_per_instance(self) -> dict[str, int]:
        """Current sessions per instance."""
        return {name: int(row["scur"]) for name, row in self.instance_stats().items()}

    def status(self, name: str) -> str:
        """UP or DOWN, as HAProxy's health checks see the instance."""
        return self.instance_stats()[name]["status"]

    def kill(self, name: str) -> None:
        """SIGKILL an instance: its gunicorn master and worker, no goodbye."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[Topology]:
    database = recreate_postgres_database("parley_test_cluster")
    plan = ClusterPlan(
        instances=[Instance(f"web{i}", "127.0.0.1", free_port()) for i in (1, 2)],
        balancer=f"127.0.0.1:{free_port()}",
        database_url=database.replace("+psycopg", ""),
        redis_url=REDIS_URL,
        run_dir=tmp_path / "cluster",
        deploy_dir=ROOT / "deploy",
    )
    config = prepare(plan)
    running = Topology(plan)
    channel = {"SOCKETIO_CHANNEL": f"parley-test-{uuid.uuid4().hex}"}
    try:
        for instance in plan.instances:
            env = {**os.environ, **FAST_HASHING, **channel, **instance_environment(plan, instance)}
            running.processes[instance.name] = subprocess.Popen(
                instance_command(plan), env=env, cwd=ROOT, start_new_session=True
            )
        running.processes["haproxy"] = subprocess.Popen(
            balancer_command(config), start_new_session=True
        )
        for instance in plan.instances:
            wait_until_serving(f"http://{instance.address}", running.processes[instance.name])
        wait_until_serving(plan.balancer_url, running.processes["haproxy"])
        yield running
    finally:
        # The balancer first, as in a drain: it holds connections to the instances open.
        if "haproxy" in running.processes:
            stop(running.processes.pop("haproxy"))
        for process in running.processes.values():
            os.killpg(process.pid, signal.SIGTERM)
        for process in running.processes.values():
            process.wait(timeout=30)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM a process group and wait for it."""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)
