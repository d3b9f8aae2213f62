"""The scaled topology for tests: two instances behind HAProxy on PostgreSQL and Redis,
started with the same parts `parley cluster` uses, owned by the test so it can kill one.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.cluster import RunningCluster, start_cluster
from tests.servers import FAST_HASHING, NO_RATE_LIMITS, ROOT, two_instance_plan


@pytest.fixture
def jobs() -> bool:
    """Whether the topology includes the Celery worker and beat; override per module.

    v1 posts run on the worker, so most tests need it.
    """
    return True


@pytest.fixture
def cluster_env() -> dict[str, str]:
    """Settings a test adds to the topology's (parametrize it to override)."""
    return {}


@pytest.fixture
def topology(tmp_path: Path, jobs: bool, cluster_env: dict[str, str]) -> Iterator[RunningCluster]:
    plan = two_instance_plan("parley_test_cluster", tmp_path / "cluster")
    env = {
        **FAST_HASHING,
        **NO_RATE_LIMITS,
        "CELERY_QUEUE": f"parley-test-{uuid.uuid4().hex}",
        "PRESENCE_SWEEP_INTERVAL": "1",
        **cluster_env,
    }
    with start_cluster(plan, env=env, cwd=ROOT, jobs=jobs) as running:
        yield running


def sessions_per_instance(topology: RunningCluster) -> dict[str, int]:
    """Current sessions per instance, as HAProxy counts them."""
    return {name: int(row["scur"]) for name, row in topology.balancer_stats().items()}
