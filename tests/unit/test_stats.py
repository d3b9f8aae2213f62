"""GET /stats counts requests of every process through Redis."""

import subprocess
import sys
import textwrap

import redis

from parley.app import create_app
from parley.stats import WINDOW_SECONDS, LocalRequestStats
from tests.conftest import REDIS_URL, config_for

OTHER_PROCESS = """
from parley.app import create_app
from tests.conftest import config_for
client = create_app(config_for("sqlite://", **{settings!r})).test_client()
for _ in range(45):
    assert client.get("/api/does-not-matter").status_code == 404
"""


def test_local_stats_average_over_the_window() -> None:
    stats = LocalRequestStats()
    for _ in range(30):
        stats.count_request()

    assert stats.requests_per_second() == 30 / WINDOW_SECONDS


def test_requests_of_other_processes_are_counted(redis_prefix: str) -> None:
    settings = {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": redis_prefix}
    script = textwrap.dedent(OTHER_PROCESS).format(settings=settings)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    client = create_app(config_for("sqlite://", **settings)).test_client()

    rate = client.get("/stats").json["requests_per_second"]

    # 45 requests in the other process plus this one, all well inside the window.
    assert rate == 46 / WINDOW_SECONDS
    store = redis.Redis.from_url(REDIS_URL)
    keys = store.keys(f"{redis_prefix}*")
    assert keys
    assert all(0 < store.ttl(key) <= 2 * WINDOW_SECONDS for key in keys)


def test_redis_outage_fails_only_the_stats_route(redis_prefix: str) -> None:
    settings = {"REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_KEY_PREFIX": redis_prefix}
    client = create_app(config_for("sqlite://", **settings)).test_client()

    assert client.get("/api/does-not-matter").status_code == 404
    response = client.get("/stats")
    assert response.status_code == 503
    assert response.json["error"] == "service unavailable"
