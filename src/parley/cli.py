"""The `parley` command: Flask's CLI (db, run, shell, routes) bound to the factory."""

import os
import shlex
import sys
from pathlib import Path

import click
from flask.cli import FlaskGroup

from parley.app import create_app
from parley.cluster import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL

cli = FlaskGroup(create_app=create_app, help="Parley, real-time team chat.")


@cli.command("serve", with_appcontext=False)
def serve_command() -> None:
    """Run, from the repository, the embedded default: gunicorn (gevent), a Celery worker and
    beat, sharing the SQLite database and the filesystem broker of the instance folder
    (unless DATABASE_URL or REDIS_URL say otherwise); Ctrl-C stops all."""
    from honcho.manager import Manager

    from parley.cluster import job_commands

    app = create_app()
    manager = Manager()
    gunicorn = [str(Path(sys.executable).with_name("gunicorn"))]
    config = ["--config", str(Path("deploy") / "gunicorn.conf.py"), "parley.wsgi:app"]
    manager.add_process("web", shlex.join(gunicorn + config))
    # One process of each: the embedded broker's queues have one consumer each.
    for name, argv in job_commands(Path(app.instance_path), os.environ, concurrency=1).items():
        manager.add_process(name, shlex.join(argv))
    bind = os.environ.get("PARLEY_BIND", "127.0.0.1:5000")
    click.echo(f"Parley: http://{bind}  (web: gunicorn + gevent)")
    click.echo("  Celery: a worker for jobs, one for link previews, and beat")
    click.echo(f"  Broker: {app.extensions['celery'].conf.broker_url}")
    click.echo(f"  Database: {app.config['SQLALCHEMY_DATABASE_URI']}\n  Ctrl-C stops everything.")
    manager.loop()
    sys.exit(manager.returncode)


@cli.command("cluster", with_appcontext=False)
@click.option("--instances", default=2, show_default=True, help="Web instances to run.")
@click.option("--port", default=8000, show_default=True, help="The load balancer's port.")
@click.option("--first-instance-port", default=5001, show_default=True)
@click.option("--database-url", default=DEFAULT_DATABASE_URL, show_default=True)
@click.option("--redis-url", default=DEFAULT_REDIS_URL, show_default=True)
def cluster_command(
    instances: int, port: int, first_instance_port: int, database_url: str, redis_url: str
) -> None:
    """Run N web instances behind HAProxy, a Celery worker and beat, on PostgreSQL and
    Redis; Ctrl-C stops all."""
    from honcho.manager import Manager

    from parley.cluster import (
        balancer_command,
        instance_command,
        instance_environment,
        job_commands,
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
    )
    config = prepare(plan)
    manager = Manager()
    for instance in plan.instances:
        env = {**os.environ, **instance_environment(plan, instance)}
        manager.add_process(instance.name, shlex.join(instance_command(plan)), env=env)
    manager.add_process("haproxy", shlex.join(balancer_command(config)))
    job_env = {**os.environ, **shared_environment(plan)}
    for name, argv in job_commands(plan.run_dir, job_env).items():
        manager.add_process(name, shlex.join(argv), env=job_env)
    click.echo(f"Parley cluster: {plan.balancer_url}  (load balancer, HAProxy)")
    for instance in plan.instances:
        click.echo(f"  {instance.name}: http://{instance.address}")
    click.echo("  Celery: a worker for jobs, one for link previews, and beat; broker on Redis")
    click.echo(f"  PostgreSQL: {database_url}\n  Redis: {redis_url}\n  Ctrl-C stops everything.")
    manager.loop()
    sys.exit(manager.returncode)
