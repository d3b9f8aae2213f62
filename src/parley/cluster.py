"""The scaled topology on one machine: N web instances behind HAProxy, sharing
PostgreSQL and Redis. `parley cluster` runs it under supervisord; the tests and
benchmarks start the same parts as processes of their own (tests/topology.py).
"""

import shutil
import sys
from collections.abc import Mapping
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
    deploy_dir: Path = field(default=deploy_templates.DEPLOY_DIR)

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
    deploy_dir: Path = deploy_templates.DEPLOY_DIR,
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
