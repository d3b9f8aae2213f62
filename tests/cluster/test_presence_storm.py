"""A presence storm through two instances behind HAProxy: 1,000 users coming online
within seconds, then their 1,000 sockets reconnecting at once. Each socket gets its
welcome and then its pushes merged (O(1,000) `presence` events in all, not 1,000 x
1,000), ends up knowing every user online, and a reconnection changes nobody's presence:
only the sockets' welcomes go out."""

import json
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from parley.app import create_app
from parley.extensions import db
from parley.models import Membership, User
from parley.models.channel import DEFAULT_CHANNEL_NAME, Channel
from parley.security import hash_password
from parley.services import sessions
from tests.conftest import config_for, dispose_engine
from tests.servers import FAST_HASHING, ROOT
from tests.topology import RunningCluster

USERS = 1_000
NODE = shutil.which("node") or "node"
WAIT = 90.0  # seconds the storm may take to settle on this machine


@pytest.fixture(scope="module")
def jobs() -> bool:
    return False  # no beat: nobody is swept offline or away during the test


class StormClients:
    """The node process holding one socket per user."""

    def __init__(self, url: str, tokens: Path, expected: str) -> None:
        self.process = subprocess.Popen(
            [NODE, str(ROOT / "tests/js/presence_storm.mjs"), url, str(tokens), expected],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        answer: dict[str, Any] = json.loads(self.process.stdout.readline())
        return answer

    def wait_for(self, done: Any, seconds: float = WAIT) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while not done(report := self.ask("report")):
            assert time.monotonic() < deadline, report
            time.sleep(0.5)
        return report

    def close(self) -> None:
        """Tell it to quit (kill it if it will not), and close the pipes to it."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process.stdin.close()
        self.process.stdout.close()


def offline_users_with_tokens(database_url: str, count: int) -> list[tuple[int, str]]:
    """`count` users, members of #general, offline, each signed in once: (id, token)."""
    app = create_app(config_for(database_url, **{k: int(v) for k, v in FAST_HASHING.items()}))
    with app.app_context():
        password = hash_password("pw")
        general = db.session.scalar(select(Channel.id).where(Channel.name == DEFAULT_CHANNEL_NAME))
        ids = db.session.scalars(
            insert(User).returning(User.id),
            [
                {"nickname": f"storm{n}-{time.time_ns()}", "password_hash": password}
                for n in range(count)
            ],
        ).all()
        db.session.execute(insert(Membership), [{"channel_id": general, "user_id": i} for i in ids])
        pairs = [(user_id, sessions.sign_in(user_id).access_token) for user_id in ids]
        db.session.execute(update(User).where(User.id.in_(ids)).values(online=False))
        db.session.commit()
        dispose_engine()
    return pairs


@pytest.fixture
def storm(topology: RunningCluster, tmp_path: Path) -> Iterator[StormClients]:
    pairs = offline_users_with_tokens(topology.plan.database_url, USERS)
    tokens = tmp_path / "tokens.txt"
    tokens.write_text("".join(f"{user_id} {token}\n" for user_id, token in pairs))
    clients = StormClients(topology.plan.balancer_url, tokens, "online")
    yield clients
    clients.close()


def test_a_thousand_arrivals_and_reconnections_are_no_presence_storm(
    storm: StormClients,
) -> None:
    started = time.monotonic()
    arrived = storm.wait_for(lambda r: r["connected"] == USERS and r["complete"] == USERS)
    settled = time.monotonic() - started
    time.sleep(3)  # any push still on its way
    after_arrival = storm.ask("report")["events"]
    print(f"PRESENCE arrivals: {USERS} sockets, {after_arrival} presence events, {settled:.1f} s")
    # Merged per socket: its welcome, then at most one push per coalescing period while
    # the storm lasts (the default, 1 s), not one per arrival (that would be USERS**2).
    windows = settled + 3 + 1  # the periods of the storm and of the wait after it, rounded up
    assert after_arrival <= USERS * (1 + windows), arrived
    assert after_arrival < USERS * USERS / 20

    storm.ask("reconnect")
    storm.wait_for(lambda r: r["connected"] == USERS)
    time.sleep(3)
    reconnected = storm.ask("report")
    print(f"PRESENCE reconnections: {reconnected['events'] - after_arrival} presence events")
    # A welcome per socket that connected again, and no change: nobody came or went.
    assert reconnected["events"] - after_arrival <= USERS
    assert reconnected["complete"] == USERS
