"""Nothing assumes one host: instances on separate test hosts (network namespaces),
behind HAProxy, sharing PostgreSQL and Redis over the network.
"""

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from parley.cluster import (
    ClusterPlan,
    Instance,
    balancer_command,
    instance_command,
    job_commands,
    prepare,
)
from tests.conftest import REDIS_URL, recreate_postgres_database
from tests.netns import Host, bridged_hosts, forwarded, namespaces_allowed
from tests.servers import (
    FAST_HASHING,
    NO_RATE_LIMITS,
    ROOT,
    free_port,
    post_as_new_user,
    wait_until_serving,
)
from tests.sockets import PushRecorder, message_with_source

PORT = 5000  # every host serves on the same port: each has an address of its own
POSTGRES_PORT, REDIS_PORT = 15432, 16379


@pytest.fixture(scope="module")
def hosts() -> Iterator[list[Host]]:
    reason = namespaces_allowed()
    if reason:
        pytest.skip(reason)
    with bridged_hosts(2) as made:
        yield made


@pytest.fixture(scope="module")
def multi_host(hosts: list[Host], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Instances on two hosts, HAProxy on this machine; yields the balancer's URL."""
    database = recreate_postgres_database("parley_test_multi_host").replace("+psycopg", "")
    run = uuid.uuid4().hex
    with ExitStack() as stack:
        postgres = stack.enter_context(forwarded(POSTGRES_PORT, "127.0.0.1:5432"))
        redis = stack.enter_context(forwarded(REDIS_PORT, "127.0.0.1:6379"))
        plan = ClusterPlan(
            instances=[Instance(f"web{i + 1}", h.address, PORT) for i, h in enumerate(hosts)],
            balancer=f"127.0.0.1:{free_port()}",
            database_url=database,
            redis_url=REDIS_URL,
            run_dir=tmp_path_factory.mktemp("multi-host"),
        )
        config = prepare(plan)
        for host in hosts:
            env = {
                **os.environ,
                **FAST_HASHING,
                **NO_RATE_LIMITS,
                # Over the network, through the test bridge: no instance shares a loopback.
                "DATABASE_URL": database.replace("127.0.0.1:5432", postgres),
                "REDIS_URL": f"redis://{redis}/15",
                "CELERY_QUEUE": f"parley-test-{run}",
                "REDIS_KEY_PREFIX": f"parley-test-{run}:",
                "SECRET_KEY": run,  # hosts share configuration, not an instance folder
                "PARLEY_BIND": f"{host.address}:{PORT}",
                # Every process of a deployment answers to the same names: the worker
                # replays requests that any instance accepted.
                "TRUSTED_HOSTS": ",".join(["127.0.0.1", *(h.address for h in hosts)]),
            }
            process = subprocess.Popen(
                host.command(instance_command(plan)), env=env, cwd=ROOT, start_new_session=True
            )
            stack.callback(stop, process)
            wait_until_serving(f"http://{host.address}:{PORT}", process)
        # The job queue's worker lives on a host too: v1 posts run there.
        worker = subprocess.Popen(
            hosts[-1].command(job_commands(plan.run_dir, env)["worker"]),
            env=env,
            cwd=ROOT,
            start_new_session=True,
        )
        stack.callback(stop, worker)
        balancer = subprocess.Popen(balancer_command(config), start_new_session=True)
        stack.callback(stop, balancer)
        wait_until_serving(plan.balancer_url, balancer)
        yield plan.balancer_url


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def test_a_host_cannot_reach_the_machines_loopback_services(hosts: list[Host]) -> None:
    probe = "import socket; socket.create_connection(('127.0.0.1', 6379), timeout=2)"
    result = subprocess.run(hosts[0].command([sys.executable, "-c", probe]), capture_output=True)

    assert result.returncode != 0  # so the instances really use the network


def test_a_post_through_one_host_reaches_clients_of_the_others(
    hosts: list[Host], multi_host: str
) -> None:
    direct = [PushRecorder(f"http://{host.address}:{PORT}", "websocket") for host in hosts]
    balanced = [PushRecorder(multi_host, t) for t in ("websocket", "polling") * 2]
    try:
        marker = uuid.uuid4().hex

        posted = post_as_new_user(f"http://{hosts[0].address}:{PORT}", marker)

        for client in direct + balanced:
            found = client.wait_for(message_with_source(marker))
            assert [p["model"] for p in found] == [posted]
    finally:
        for client in direct + balanced:
            client.close()
