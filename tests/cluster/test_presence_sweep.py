"""Users silent for 60 s go offline cluster-wide: a Celery beat job, run by a real
worker on the Redis broker, pushed to sockets on every instance.
"""

import time

import psycopg
import pytest

from tests.servers import call, sign_up_with_token
from tests.sockets import PushRecorder
from tests.topology import RunningCluster


@pytest.fixture(scope="module")
def jobs() -> bool:
    return True


def test_a_silent_user_goes_offline_everywhere(topology: RunningCluster) -> None:
    instances = [f"http://{instance.address}" for instance in topology.plan.instances]
    sign_up_with_token(topology.plan.balancer_url, "quiet")
    _, _, users = call(f"{instances[0]}/api/users?online=1")
    assert [u["nickname"] for u in users["users"]] == ["quiet"]
    watchers = [PushRecorder(url, "websocket") for url in instances]
    try:
        # Last seen 61 s ago, as if the user had gone silent a minute ago.
        with psycopg.connect(topology.plan.database_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE users SET last_seen_at = now() - interval '61 seconds' "
                "WHERE nickname = 'quiet'"
            )

        for watcher in watchers:
            watcher.wait_for(
                lambda p: p["model"].get("nickname") == "quiet" and not p["model"]["online"]
            )
        assert call(f"{instances[1]}/api/users?online=1")[2] == {"users": []}
    finally:
        for watcher in watchers:
            watcher.close()


def test_users_seen_recently_stay_online(topology: RunningCluster) -> None:
    sign_up_with_token(topology.plan.balancer_url, "chatty")

    time.sleep(3)  # three sweeps, one a second

    _, _, users = call(f"{topology.plan.balancer_url}/api/users?online=1")
    assert [u["nickname"] for u in users["users"]] == ["chatty"]
