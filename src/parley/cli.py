"""The `parley` command: Flask's CLI (db, run, shell, routes) bound to the factory."""

import os
import shlex
import sys

import click
from flask.cli import FlaskGroup

from parley.app import create_app
from parley.cluster import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL

cli = FlaskGroup(create_app=create_app, help="Parley, real-time team chat.")


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
    for name, argv in job_commands(plan).items():
        manager.add_process(name, shlex.join(argv), env={**os.environ, **shared_environment(plan)})
    click.echo(f"Parley cluster: {plan.balancer_url}  (load balancer, HAProxy)")
    for instance in plan.instances:
        click.echo(f"  {instance.name}: http://{instance.address}")
    click.echo("  Celery: one worker and beat (presence sweep), broker on Redis")
    click.echo(f"  PostgreSQL: {database_url}\n  Redis: {redis_url}\n  Ctrl-C stops everything.")
    manager.loop()
    sys.exit(manager.returncode)
