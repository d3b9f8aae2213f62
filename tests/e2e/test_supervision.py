"""Supervision: a process of `parley serve` or `parley cluster` killed with SIGKILL comes
back within seconds while the others keep serving; the jobs queued before the kill
complete and no acknowledged message is lost. The supervisor killed with SIGKILL leaves
nothing serving, and one instance folder runs one Parley."""

import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.cluster import plan_cluster
from parley.supervision import supervisor_client
from tests.servers import (
    BIN,
    ROOT,
    Supervised,
    answer_of,
    call,
    free_ports_in_a_row,
    migrated_instance,
    parley_serve,
    running,
    server_env,
    shared_env,
    sign_up_with_token,
    wait_until,
    wait_until_serving,
)
from tests.topology import RunningCluster

# supervisord starts a dead program again at once; it counts as running after startsecs
# (3 s; 1 s for Redis). A restart slower than this is a failure.
RESTART_SECONDS = 15
# Between two posts of the load; and a bound on how many one poster makes.
POST_INTERVAL = 0.05
MAX_POSTS = 2000
# A task whose worker was killed before acknowledging it is delivered again after the
# broker's visibility timeout: short here, so the test need not wait ten minutes.
VISIBILITY_TIMEOUT = "5"
# The last resort for a job whose task is lost (its worker killed mid-retry, say): the
# stalled-job sweep queues it again. Short here too, so that it can act within a test.
RECOVERY = {
    "CELERY_VISIBILITY_TIMEOUT": VISIBILITY_TIMEOUT,
    "JOB_STALL_SECONDS": "10",
    "CLEANUP_INTERVAL": "5",
}
SERVE_PROGRAMS = ("redis", "web", "worker", "previews", "beat")


class Poster(threading.Thread):
    """Posts v1 messages (asynchronous requests) until stopped; keeps every one the
    server acknowledged (202, with the job's Location)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.bearer = {"Authorization": f"Bearer {sign_up_with_token(url)}"}
        self.accepted: list[tuple[str, str]] = []  # (source, job Location)
        self.unanswered = 0
        self.stopping = threading.Event()

    def run(self) -> None:
        """Post until stopped or MAX_POSTS."""
        marker = uuid.uuid4().hex[:8]
        for n in range(MAX_POSTS):
            if self.stopping.is_set():
                return
            source = f"{marker}-{n}"
            try:
                status, headers, _ = call(
                    f"{self.url}/api/messages", "POST", {"source": source}, self.bearer
                )
            except OSError:  # refused or reset while a process was down: not acknowledged
                self.unanswered += 1
            else:
                if status == 202:
                    self.accepted.append((source, headers["Location"]))
                else:
                    self.unanswered += 1
            time.sleep(POST_INTERVAL)

    def stop(self) -> None:
        """Stop posting and wait for the last post's answer."""
        self.stopping.set()
        self.join(timeout=30)

    def assert_nothing_lost(self) -> int:
        """Every acknowledged post became a message that the API serves; how many."""
        for source, location in self.accepted:
            status, message = answer_of(location, self.bearer, timeout=60)
            assert (status, message["source"]) == (201, source), (location, status, message)
            status, _, stored = call(f"{self.url}/api/messages/{message['id']}")
            assert (status, stored["source"]) == (200, source)
        return len(self.accepted)


def answers_health_check(url: str) -> bool:
    """Whether /healthz answers 200; a connection refused or reset (a web server still
    booting, or the killed one's orphaned worker exiting) is a no, not an error."""
    try:
        return call(f"{url}/healthz")[0] == 200
    except OSError:
        return False


def report_fault(victim: str, before: int, seconds: float, stored: int) -> None:
    """One row of the fault table (run with -s to see it)."""
    print(
        f"FAULT {victim}: killed after {before} acknowledged posts, running again after "
        f"{seconds:.1f} s; {stored} acknowledged in all, every one stored"
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Supervised]:
    """`parley serve` on the embedded default: SQLite and the embedded Redis."""
    instance = tmp_path_factory.mktemp("served")
    env = server_env(**RECOVERY)
    migrated_instance(instance, sqlite_template)
    with parley_serve(env, instance, instance.parent / "served.log") as served:
        yield served


@pytest.mark.parametrize("victim", ["worker", "previews", "beat", "web"])
def test_a_killed_process_of_serve_comes_back_under_load(served: Supervised, victim: str) -> None:
    poster = Poster(served.url)
    poster.start()
    try:
        wait_until(lambda: len(poster.accepted) >= 5)
        before = len(poster.accepted)
        old_pid = served.kill(victim)

        seconds = served.wait_restarted(victim, old_pid, RESTART_SECONDS)

        wait_until(lambda: answers_health_check(served.url))
        accepted = len(poster.accepted)
        wait_until(lambda: len(poster.accepted) >= accepted + 5)
    finally:
        poster.stop()
    report_fault(victim, before, seconds, poster.assert_nothing_lost())


def test_jobs_queued_before_the_embedded_redis_dies_complete(served: Supervised) -> None:
    with supervisor_client(served.run_dir) as client:
        client.supervisor.stopProcess("worker")
    poster = Poster(served.url)
    try:
        poster.start()
        wait_until(lambda: len(poster.accepted) >= 20)
        before = len(poster.accepted)
        old_pid = served.kill("redis")

        seconds = served.wait_restarted("redis", old_pid, RESTART_SECONDS)
        accepted = len(poster.accepted)
        wait_until(lambda: len(poster.accepted) >= accepted + 5)
    finally:
        poster.stop()
        with supervisor_client(served.run_dir) as client:
            client.supervisor.startProcess("worker")
    # The jobs queued before the kill waited in Redis's append-only file for the worker.
    report_fault("redis (worker stopped)", before, seconds, poster.assert_nothing_lost())


def test_a_killed_instance_of_the_cluster_comes_back(tmp_path: Path) -> None:
    env = shared_env("parley_test_supervision", **RECOVERY)
    plan = plan_cluster(
        2,
        first_port=free_ports_in_a_row(2),  # the instances take consecutive ports
        balancer_port=free_ports_in_a_row(1),
        database=env["DATABASE_URL"],
        redis=env["REDIS_URL"],
        run_dir=tmp_path / "cluster",
    )
    command: list[str | Path] = [
        BIN / "parley", "cluster", "--instances", "2",
        "--port", plan.balancer.rsplit(":", 1)[1],
        "--first-instance-port", str(plan.instances[0].port),
        "--database-url", plan.database_url, "--redis-url", plan.redis_url,
        "--run-dir", plan.run_dir,
    ]  # fmt: skip
    with open(tmp_path / "cluster.log", "wb") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
        cluster = Supervised(plan.balancer_url, plan.run_dir, process)
        balancer = RunningCluster(plan)
        try:
            wait_until_serving(cluster.url, process, seconds=60)
            balancer.wait_until_all_up()
            poster = Poster(cluster.url)
            poster.start()
            try:
                wait_until(lambda: len(poster.accepted) >= 5)
                before = len(poster.accepted)
                old_pid = cluster.kill("web1")

                seconds = cluster.wait_restarted("web1", old_pid, RESTART_SECONDS)
                balancer.wait_until_all_up(RESTART_SECONDS)
                accepted = len(poster.accepted)
                wait_until(lambda: len(poster.accepted) >= accepted + 5)
            finally:
                poster.stop()
            report_fault("cluster web1", before, seconds, poster.assert_nothing_lost())
        finally:
            process.terminate()
            process.wait(timeout=90)


def test_ctrl_c_stops_every_process_of_serve(tmp_path: Path, sqlite_template: Path) -> None:
    instance = tmp_path / "instance"
    env = server_env()
    migrated_instance(instance, sqlite_template)
    with parley_serve(env, instance, tmp_path / "serve.log") as served:
        pids = {name: served.pid(name) for name in SERVE_PROGRAMS}

        served.process.send_signal(signal.SIGINT)

        assert served.process.wait(timeout=60) == 0
    assert all(pid > 0 for pid in pids.values()), pids
    left = [name for name, pid in pids.items() if Path(f"/proc/{pid}").exists()]
    assert left == []
    assert not (instance / "redis.sock").exists()  # Redis shut down, not killed


def test_a_killed_supervisor_leaves_nothing_serving_and_the_next_start_is_clean(
    tmp_path: Path,
) -> None:
    instance = tmp_path / "instance"
    env = server_env()
    with parley_serve(env, instance, tmp_path / "first.log") as served:
        wait_until(lambda: "Parley is ready" in (tmp_path / "first.log").read_text(), 30)
        pids = {name: served.pid(name) for name in SERVE_PROGRAMS}

        served.process.kill()  # SIGKILL: the OOM killer, a crashed terminal
        served.process.wait(timeout=10)

        wait_until(lambda: not any(running(pid) for pid in pids.values()), 15)
        assert not answers_health_check(served.url)
    assert all(pid > 0 for pid in pids.values()), pids

    with parley_serve(env, instance, tmp_path / "second.log") as again:
        wait_until(lambda: "Parley is ready" in (tmp_path / "second.log").read_text(), 30)
        assert answers_health_check(again.url)
        assert {name: again.pid(name) for name in SERVE_PROGRAMS}.keys() == pids.keys()
    output = (tmp_path / "second.log").read_text()
    first = output.splitlines()[0]
    assert first.startswith("Parley: database ")
    assert first.endswith(" up to date")
    for noise in ("INFO", "CRIT", "Unlinking", "Redis version", "Booting worker"):
        assert noise not in output, output  # those are in the logs of the run folder


def test_two_starts_on_one_instance_folder_run_one_parley(
    tmp_path: Path, sqlite_template: Path
) -> None:
    instance = tmp_path / "instance"
    env = server_env()
    migrated_instance(instance, sqlite_template)
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    outputs = [open(log, "wb") for log in logs]  # noqa: SIM115 -- closed below
    ports = [free_ports_in_a_row(1), free_ports_in_a_row(1)]
    starts = [
        subprocess.Popen(
            [BIN / "parley", "serve"],
            env={**env, "PARLEY_INSTANCE_PATH": str(instance), "PARLEY_BIND": f"127.0.0.1:{port}"},
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        for port, output in zip(ports, outputs, strict=True)
    ]
    try:
        wait_until(lambda: any(start.poll() is not None for start in starts), 60)
        refused = next(n for n, start in enumerate(starts) if start.poll() is not None)
        serving = 1 - refused
        assert starts[refused].returncode == 1
        holder = starts[serving].pid  # supervisord: `parley serve` became it
        assert (
            f"Parley is already running on {instance / 'run'} (supervisord, process "
            f"{holder})" in logs[refused].read_text()
        )
        wait_until(lambda: "Parley is ready" in logs[serving].read_text(), 60)
        assert answers_health_check(f"http://127.0.0.1:{ports[serving]}")
        assert starts[serving].poll() is None
    finally:
        for start in starts:
            start.terminate()
            start.wait(timeout=90)
        for output in outputs:
            output.close()
