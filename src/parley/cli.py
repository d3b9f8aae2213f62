"""The `parley` command: Flask's CLI (db, run, shell, routes) bound to the factory."""

import os
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from parley import database, deploy_templates, embedded_redis
from parley.app import create_app
from parley.cluster import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, job_commands
from parley.supervision import AlreadyRunningError, Program, hold_lock, supervise

# supervisord's files for `parley serve`, under the instance folder.
RUN_FOLDER = "run"
# A Celery worker stops warmly: the task it runs may finish (its time limits bound it).
JOB_STOP_SECONDS = 30

cli = FlaskGroup(create_app=create_app, help="Parley, real-time team chat.")


@cli.command("serve", with_appcontext=False)
def serve_command() -> None:
    """Run, from the repository, the embedded default under supervision: its own Redis
    (unless REDIS_URL names one), gunicorn (gevent), a Celery worker for jobs, one for
    link previews, and beat, on the instance folder's SQLite database (unless
    DATABASE_URL names another), migrated first. A process that dies is restarted;
    Ctrl-C stops all. One `parley serve` per instance folder."""
    app = create_app()
    instance = Path(app.instance_path)
    _hold_lock(instance / RUN_FOLDER)
    click.echo(f"Parley: {database.upgrade(app)}")
    programs = []
    if not os.environ.get("REDIS_URL"):
        # Every program inherits supervisord's environment, and so this setting.
        os.environ["REDIS_URL"] = embedded_redis.url(instance)
        redis_server = embedded_redis.server_command(instance)
        programs.append(
            Program(
                "redis", redis_server, priority=10, start_seconds=1, probe=os.environ["REDIS_URL"]
            )
        )
    gunicorn = [str(Path(sys.executable).with_name("gunicorn"))]
    config = ["--config", str(deploy_templates.GUNICORN_CONFIG), "parley.wsgi:app"]
    url = local_url(os.environ.get("PARLEY_BIND", "127.0.0.1:5000"))
    programs.append(Program("web", gunicorn + config, priority=20, probe=f"{url}/healthz"))
    for name, argv in job_commands(instance, os.environ).items():
        programs.append(Program(name, argv, priority=30, stop_seconds=JOB_STOP_SECONDS))
    click.echo(f"Parley: starting {', '.join(p.name for p in programs)} under supervisord")
    supervise(instance / RUN_FOLDER, programs, Path.cwd(), url)


def _hold_lock(run_dir: Path) -> None:
    try:
        hold_lock(run_dir)
    except AlreadyRunningError as error:
        raise click.ClickException(str(error)) from None


def local_url(bind: str) -> str:
    """Where a process on this machine reaches a server bound to `bind` (host:port)."""
    host, _, port = bind.rpartition(":")
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "[::]": "[::1]"}.get(host, host)  # noqa: S104
    return f"http://{host}:{port}"


@cli.command("cluster", with_appcontext=False)
@click.option("--instances", default=2, show_default=True, help="Web instances to run.")
@click.option("--port", default=8000, show_default=True, help="The load balancer's port.")
@click.option("--first-instance-port", default=5001, show_default=True)
@click.option("--database-url", default=DEFAULT_DATABASE_URL, show_default=True)
@click.option("--redis-url", default=DEFAULT_REDIS_URL, show_default=True)
@click.option(
    "--run-dir",
    default=Path("instance/cluster"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Rendered configs, supervisord's files and the instances' shared folder.",
)
def cluster_command(
    instances: int,
    port: int,
    first_instance_port: int,
    database_url: str,
    redis_url: str,
    run_dir: Path,
) -> None:
    """Run N web instances behind HAProxy, a Celery worker and beat, on PostgreSQL and
    Redis, under supervision: a process that dies is restarted; Ctrl-C stops all."""
    from parley.cluster import (
        balancer_command,
        instance_command,
        instance_environment,
        plan_cluster,
        prepare,
        shared_environment,
    )

    plan = plan_cluster(
        instances,
        first_port=first_instance_port,
        balancer_port=port,
        database=database_url,
        redis=redis_url,
        run_dir=run_dir,
    )
    _hold_lock(plan.run_dir)
    config = prepare(plan)
    os.environ.update(shared_environment(plan))
    programs = [
        Program(
            instance.name,
            instance_command(plan),
            priority=20,
            env=instance_environment(plan, instance),
            probe=f"http://{instance.address}/healthz",
        )
        for instance in plan.instances
    ]
    # Started after the instances and stopped before them: a stop drains the balancer first.
    balancer = Program(
        "haproxy", balancer_command(config), priority=30, probe=f"{plan.balancer_url}/healthz"
    )
    programs.append(balancer)
    for name, argv in job_commands(plan.run_dir, os.environ).items():
        programs.append(Program(name, argv, priority=40, stop_seconds=JOB_STOP_SECONDS))
    click.echo(f"Parley cluster: {len(plan.instances)} instances behind HAProxy")
    click.echo(f"  PostgreSQL: {database_url}\n  Redis: {redis_url}")
    click.echo(f"Parley: starting {', '.join(p.name for p in programs)} under supervisord")
    supervise(plan.run_dir, programs, Path.cwd(), plan.balancer_url)
