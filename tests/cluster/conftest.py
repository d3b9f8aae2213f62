"""The scaled topology for tests: two instances behind HAProxy on PostgreSQL and Redis,
started with the same parts `parley cluster` uses, owned by the test so it can kill one.
"""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.cluster import ClusterPlan, Instance, RunningCluster, start_cluster
from tests.conftest import REDIS_URL, recreate_postgres_database
from tests.servers import FAST_HASHING, NO_RATE_LIMITS, ROOT, free_port


@pytest.fixture
def jobs() -> bool:
    """Whether the topology includes the Celery worker and beat; override per module.

    v1 posts run on the worker, so most tests need it.
    """
    return True


@pytest.fixture
def topology(tmp_path: Path, jobs: bool) -> Iterator[RunningCluster]:
    database = recreate_postgres_database("parley_test_cluster")
    plan = ClusterPlan(
        instances=[Instance(f"web{i}", "127.0.0.1", free_port()) for i in (1, 2)],
        balancer=f"127.0.0.1:{free_port()}",
        database_url=database.replace("+psycopg", ""),
        redis_url=REDIS_URL,
        run_dir=tmp_path / "cluster",
        deploy_dir=ROOT / "deploy",
    )
    env = {
        **FAST_HASHING,
        **NO_RATE_LIMITS,
        "SOCKETIO_CHANNEL": f"parley-test-{uuid.uuid4().hex}",
        "CELERY_QUEUE": f"parley-test-{uuid.uuid4().hex}",
        "PRESENCE_SWEEP_INTERVAL": "1",
    }
    with start_cluster(plan, env=env, cwd=ROOT, jobs=jobs) as running:
        yield running


def sessions_per_instance(topology: RunningCluster) -> dict[str, int]:
    """Current sessions per instance, as HAProxy counts them."""
    return {name: int(row["scur"]) for name, row in topology.balancer_stats().items()}
