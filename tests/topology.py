"""The scaled topology as tests and benchmarks run it: the parts `parley cluster`
supervises (parley.cluster plans them), started as processes the caller owns, so that it
can inspect them, kill one and stop them all. Not shipped: only this repository uses it.
"""

import contextlib
import csv
import io
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from parley.cluster import (
    ClusterPlan,
    balancer_command,
    instance_command,
    instance_environment,
    job_commands,
    prepare,
    shared_environment,
    write_balancer_config,
)


def recreate_database(server: str, name: str, template: str | None = None) -> str:
    """Drop (disconnecting its users) and create a PostgreSQL database, empty or a copy
    of `template` (a database nobody is connected to); return its URL.

    For tests and benchmarks, which want each run on a fresh database.
    """
    create = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template is not None:
        create += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(create)
    return f"{server}/{name}"


@dataclass
class RunningCluster:
    """A started topology whose processes the caller owns: tests and benchmarks
    inspect it, kill parts of it, and stop it. (`parley cluster` uses supervisord.)
    """

    plan: ClusterPlan
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def balancer_stats(self) -> dict[str, dict[str, str]]:
        """HAProxy's `show stat` row of each instance, by instance name."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.plan.stats_socket))
            sock.sendall(b"show stat\n")
            raw = b"".join(iter(lambda: sock.recv(65536), b""))
        rows = csv.DictReader(io.StringIO(raw.decode().lstrip("# ")))
        names = {instance.name for instance in self.plan.instances}
        return {row["svname"]: row for row in rows if row["svname"] in names}

    def wait_until_all_up(self, seconds: float = 30) -> None:
        """Wait until the balancer's health checks found every instance up.

        An instance answering is not enough: until HAProxy's next check passes, it sends
        every client to the instances it already saw up.
        """
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            stats = self.balancer_stats()
            if len(stats) == len(self.plan.instances) and all(
                row["status"].startswith("UP") for row in stats.values()
            ):
                return
            time.sleep(0.1)
        raise TimeoutError(f"the balancer did not see every instance up within {seconds} s")

    def worker_pids(self, name: str) -> list[int]:
        """The gunicorn worker processes of an instance (children of its master)."""
        children = Path(f"/proc/{self.processes[name].pid}/task")
        pids: list[int] = []
        for task in children.iterdir():
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        return pids

    def kill(self, name: str) -> None:
        """SIGKILL one process group (an instance: master and worker), no goodbye."""
        process = self.processes.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        """The balancer first, as in a drain (it holds connections open), then the rest."""
        if "haproxy" in self.processes:
            _terminate([self.processes.pop("haproxy")])
        _terminate(list(self.processes.values()))
        self.processes.clear()


def _terminate(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        # A process that exited (failing to start, or killed by a test) may have taken
        # its group with it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


@contextmanager
def start_cluster(
    plan: ClusterPlan,
    *,
    env: dict[str, str] | None = None,
    command: list[str] | None = None,
    cwd: Path | None = None,
    jobs: bool = False,
) -> Iterator[RunningCluster]:
    """Start the plan's instances and HAProxy, wait until each answers, stop on exit.

    `command` replaces the instance command line (a benchmark's bare server);
    `env` is added to every process's environment; `jobs` adds the Celery worker and beat.
    """
    config = prepare(plan) if command is None else write_balancer_config(plan)
    running = RunningCluster(plan)
    try:
        for instance in plan.instances:
            process_env = {**os.environ, **(env or {}), **instance_environment(plan, instance)}
            running.processes[instance.name] = subprocess.Popen(
                command or instance_command(plan),
                env=process_env,
                cwd=cwd,
                start_new_session=True,
            )
        running.processes["haproxy"] = subprocess.Popen(
            balancer_command(config), start_new_session=True
        )
        job_env = {**os.environ, **(env or {}), **shared_environment(plan)}
        for name, argv in job_commands(plan.run_dir, job_env).items() if jobs else ():
            running.processes[name] = subprocess.Popen(
                argv,
                env=job_env,
                cwd=cwd,
                start_new_session=True,
            )
        for instance in plan.instances:
            wait_until_serving(f"http://{instance.address}", running.processes[instance.name])
        wait_until_serving(plan.balancer_url, running.processes["haproxy"])
        running.wait_until_all_up()
        yield running
    finally:
        running.stop()


def wait_until_serving(base: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    """Poll base/healthz until it answers 200 (through the balancer: until an instance is
    up), or fail if the process exits or it takes too long."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                return
        except OSError:  # refused, or an error status (HTTPError is an OSError)
            time.sleep(0.2)
    raise TimeoutError(f"{base} did not answer within {seconds} s")
