"""The scaled topology on one machine: N web instances behind HAProxy, sharing
PostgreSQL and Redis. `parley cluster` runs it; tests assemble the same parts.
"""

import contextlib
import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from parley import deploy_templates
from parley.config import celery_queue_names, database_url

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/parley"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


@dataclass(frozen=True)
class Instance:
    """One web instance: a gunicorn with one gevent worker on its own port."""

    name: str
    host: str
    port: int

    @property
    def address(self) -> str:
        """host:port, as gunicorn binds it and HAProxy reaches it."""
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class ClusterPlan:
    """Everything needed to start the topology."""

    instances: list[Instance]
    balancer: str  # host:port HAProxy listens on
    database_url: str
    redis_url: str
    run_dir: Path  # rendered configs and the shared instance folder
    deploy_dir: Path = field(default=Path("deploy"))

    @property
    def balancer_url(self) -> str:
        """Where clients connect."""
        return f"http://{self.balancer}"

    @property
    def stats_socket(self) -> Path:
        """HAProxy's stats socket (`show stat` lists sessions per instance)."""
        return self.run_dir.resolve() / "haproxy.sock"


def plan_cluster(
    instances: int,
    *,
    host: str = "127.0.0.1",
    first_port: int = 5001,
    balancer_port: int = 8000,
    database: str = DEFAULT_DATABASE_URL,
    redis: str = DEFAULT_REDIS_URL,
    run_dir: Path = Path("instance/cluster"),
    deploy_dir: Path = Path("deploy"),
) -> ClusterPlan:
    """Name and place N instances on consecutive ports."""
    return ClusterPlan(
        instances=[Instance(f"web{i + 1}", host, first_port + i) for i in range(instances)],
        balancer=f"{host}:{balancer_port}",
        database_url=database,
        redis_url=redis,
        run_dir=run_dir,
        deploy_dir=deploy_dir,
    )


def shared_environment(plan: ClusterPlan) -> dict[str, str]:
    """The settings every process of the cluster shares: web instances, worker, beat."""
    return {
        "PARLEY_ENV": "development",
        "DATABASE_URL": plan.database_url,
        "REDIS_URL": plan.redis_url,
        # One instance folder: processes generate and then share one secret key.
        "PARLEY_INSTANCE_PATH": str(plan.run_dir.resolve()),
    }


def instance_environment(plan: ClusterPlan, instance: Instance) -> dict[str, str]:
    """The shared settings plus the instance's own address, behind one proxy (HAProxy)."""
    return {**shared_environment(plan), "PARLEY_BIND": instance.address, "PROXY_COUNT": "1"}


CELERY_APP = ["-A", "parley.celery_app"]


def worker_command(
    concurrency: int = 2, *, only: str | None = None, without: str | None = None
) -> list[str]:
    """A Celery worker of every queue, `only` one, or all but one (`without`). Gossip,
    mingle and heartbeats are events between workers that Parley does not use; without
    them an idle worker leaves the broker alone."""
    queues = ["--queues", only] if only else ["--exclude-queues", without] if without else []
    return [
        str(Path(sys.executable).with_name("celery")), *CELERY_APP, "worker",
        "--loglevel", "INFO", "--concurrency", str(concurrency), *queues,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip


def beat_command(run_dir: Path) -> list[str]:
    """Celery beat, keeping its schedule in `run_dir`. Run one per deployment."""
    return [
        str(Path(sys.executable).with_name("celery")), *CELERY_APP, "beat", "--loglevel", "INFO",
        "--schedule", str(run_dir.resolve() / "celerybeat-schedule"),
    ]  # fmt: skip


def job_commands(
    run_dir: Path, settings: Mapping[str, str], concurrency: int = 2
) -> dict[str, list[str]]:
    """A Celery worker for the jobs, one for link previews, and beat (one beat per
    deployment: it schedules the periodic jobs). `settings` name the queues."""
    _, previews = celery_queue_names(settings)
    return {
        "worker": worker_command(concurrency, without=previews),
        "previews": worker_command(concurrency, only=previews),
        "beat": beat_command(run_dir),
    }


def instance_command(plan: ClusterPlan) -> list[str]:
    """The command line of a web instance (the same for each; the environment differs)."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    return [gunicorn, "--config", str(plan.deploy_dir / "gunicorn.conf.py"), "parley.wsgi:app"]


def balancer_command(config: Path) -> list[str]:
    """HAProxy in the foreground on a rendered config."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    return [haproxy, "-db", "-f", str(config)]


def write_balancer_config(plan: ClusterPlan) -> Path:
    """Render deploy/haproxy.cfg.j2 for this plan into the run folder."""
    plan.run_dir.mkdir(parents=True, exist_ok=True)
    return deploy_templates.render(
        "haproxy.cfg.j2",
        plan.run_dir / "haproxy.cfg",
        plan.deploy_dir,
        balancer=plan.balancer,
        instances=plan.instances,
        stats_socket=plan.stats_socket,
    )


def create_database_if_missing(url: str) -> None:
    """CREATE DATABASE for a PostgreSQL URL whose database does not exist yet."""
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    server = parsed.set(drivername="postgresql", database="postgres")
    dsn = server.render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database)))


def recreate_database(server: str, name: str) -> str:
    """Drop (disconnecting its users) and create a PostgreSQL database; return its URL.

    For tests and benchmarks, which want each run on an empty database.
    """
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return f"{server}/{name}"


def prepare(plan: ClusterPlan) -> Path:
    """Create and migrate the database (quietly), and render the balancer's config."""
    from parley import database
    from parley.app import create_app
    from parley.config import DevelopmentConfig
    from parley.extensions import db

    create_database_if_missing(plan.database_url)
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url(plan.database_url),
        "REDIS_URL": plan.redis_url,
        "INSTANCE_PATH": str(plan.run_dir.resolve()),
    }
    app = create_app(type("ClusterConfig", (DevelopmentConfig,), settings))
    database.upgrade(app)
    with app.app_context():
        db.engine.dispose()
    return write_balancer_config(plan)


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
