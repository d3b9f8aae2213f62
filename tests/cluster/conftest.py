"""The scaled topology for tests: two instances behind HAProxy on PostgreSQL and Redis,
started with the same parts `parley cluster` uses, owned by the test so it can kill one.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import FAST_HASHING, NO_RATE_LIMITS, ROOT, two_instance_plan
from tests.topology import RunningCluster, start_cluster


@pytest.fixture(scope="module")
def jobs() -> bool:
    """Whether the topology includes the Celery worker and beat; override per module.

    v1 posts run on the worker, so most tests need it.
    """
    return True


@pytest.fixture
def cluster_env() -> dict[str, str]:
    """Settings a test adds to the topology's (parametrize it to override)."""
    return {}


@contextmanager
def started(
    database: str, run_dir: Path, jobs: bool, settings: dict[str, str]
) -> Iterator[RunningCluster]:
    """A fresh topology on a fresh database of this name, on Redis keys of its own."""
    plan = two_instance_plan(database, run_dir)
    run = uuid.uuid4().hex
    env = {
        **FAST_HASHING,
        **NO_RATE_LIMITS,
        "CELERY_QUEUE": f"parley-test-{run}",
        "REDIS_KEY_PREFIX": f"parley-test-{run}:",
        "PRESENCE_SWEEP_INTERVAL": "1",
        **settings,
    }
    with start_cluster(plan, env=env, cwd=ROOT, jobs=jobs) as running:
        yield running


@pytest.fixture(scope="module")
def shared_topology(
    tmp_path_factory: pytest.TempPathFactory, jobs: bool
) -> Iterator[RunningCluster]:
    """One topology for the tests of a module that leave it as they found it (they make
    users and channels of their own): started for the first, stopped after the module."""
    with started("parley_test_cluster", tmp_path_factory.mktemp("cluster"), jobs, {}) as running:
        yield running


@pytest.fixture
def topology(
    request: pytest.FixtureRequest, tmp_path: Path, jobs: bool, cluster_env: dict[str, str]
) -> Iterator[RunningCluster]:
    """The module's shared topology; one of the test's own when it changes the settings
    (cluster_env) or is marked own_cluster (it kills a process, or needs an empty
    database)."""
    if cluster_env or request.node.get_closest_marker("own_cluster"):
        with started("parley_test_cluster_own", tmp_path / "cluster", jobs, cluster_env) as own:
            yield own
    else:
        shared: RunningCluster = request.getfixturevalue("shared_topology")
        yield shared


def sessions_per_instance(topology: RunningCluster) -> dict[str, int]:
    """Current sessions per instance, as HAProxy counts them."""
    return {name: int(row["scur"]) for name, row in topology.balancer_stats().items()}
