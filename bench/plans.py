"""The topology every benchmark here runs on: instances behind HAProxy on loopback ports
7100 and up, a fresh PostgreSQL database, and a Redis database of their own."""

import uuid
from pathlib import Path

from tests.topology import recreate_database

from parley.cluster import ClusterPlan, Instance

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/14"
BALANCER_PORT = 7100
# A benchmark drives the servers from one address and a few users, far above any limit a
# real client meets. The limits stay on (their counting is part of the cost measured),
# set out of reach of a minute of the fastest load here (a moving window keeps one entry
# per request in Redis, up to the limit).
OUT_OF_REACH = "1000000 per minute"
LIMITED = (
    "REQUESTS", "SIGN_IN", "SIGN_IN_FAILURES", "SIGN_IN_ACCOUNT", "SIGN_UP", "POST", "EDIT",
    "CHANNEL", "MEMBERSHIP", "READ", "REACT", "SEARCH", "JOB", "SOCKET_EVENTS",
    "SOCKET_EVENTS_USER", "SOCKET_CONNECTS", "SOCKET_CONNECTS_USER",
)  # fmt: skip
BENCH_LIMITS = {
    **dict.fromkeys((f"RATE_LIMIT_{name}" for name in LIMITED), OUT_OF_REACH),
    # Thousands of sockets from one address and a few users.
    "SOCKETS_PER_ADDRESS_MAX": "1000000",
    "SOCKETS_PER_USER_MAX": "1000000",
}


def bench_plan(instances: int, run_dir: Path) -> ClusterPlan:
    """`instances` web instances on ports 7101..., HAProxy on 7100, an empty database."""
    return ClusterPlan(
        instances=[
            Instance(f"web{n}", "127.0.0.1", BALANCER_PORT + n) for n in range(1, instances + 1)
        ],
        balancer=f"127.0.0.1:{BALANCER_PORT}",
        database_url=recreate_database(POSTGRES, "parley_bench"),
        redis_url=REDIS_URL,
        run_dir=run_dir,
    )


def one_instance_env(database: str, folder: Path, **settings: str) -> dict[str, str]:
    """The migrated environment of one instance with the limits on: a fresh PostgreSQL
    database of this name, a Redis prefix of its own, `folder` as its instance folder."""
    from tests.servers import migrate, server_env

    env = server_env(
        DATABASE_URL=recreate_database(POSTGRES, database),
        REDIS_URL=REDIS_URL,
        REDIS_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}:",
        RATE_LIMITS_ENABLED="1",
        PARLEY_ACCESS_LOG="",
        PARLEY_INSTANCE_PATH=str(folder),
        **settings,
    )
    migrate(env)
    return env
