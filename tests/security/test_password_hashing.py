"""Attack: a storm of wrong passwords against real gevent servers.

Each Argon2id verification costs about 0.15 s of CPU. Hashed on the
gevent hub, eight concurrent guesses stalled every other request of the instance; hashed
on every core of the host, they doubled the tail latency of everything else.
"""

import base64
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.security import HashingSlots
from tests.servers import call, parley_server, shared_env

GUESSES = 8
# The shipped Argon2id parameters, not the tests' cheap ones: the cost is the point.
REAL_HASHING = {
    "ARGON2_TIME_COST": "3",
    "ARGON2_MEMORY_COST_KIB": "65536",
    "ARGON2_PARALLELISM": "1",
}


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    return shared_env("parley_test_hashing", **REAL_HASHING)


@pytest.fixture(scope="module")
def server(env: dict[str, str]) -> Iterator[str]:
    with parley_server(env) as url:
        yield url


def guess(url: str, finished: list[tuple[float, str]]) -> None:
    """One wrong sign-in, for a nickname nobody has (it costs a full verification too)."""
    nickname = f"nobody-{uuid.uuid4().hex[:8]}"
    status, _, _ = call(
        f"{url}/api/v2/tokens", "POST", headers={"Authorization": _basic(nickname, "wrong")}
    )
    assert status == 401
    finished.append((time.monotonic(), "guess"))


def _basic(nickname: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{nickname}:{password}".encode()).decode()


def test_wrong_passwords_do_not_stall_other_requests(server: str) -> None:
    finished: list[tuple[float, str]] = []
    guesses = [threading.Thread(target=guess, args=(server, finished)) for _ in range(GUESSES)]
    for thread in guesses:
        thread.start()
    time.sleep(0.1)  # every guess is being hashed or waits for a hashing thread

    status, _, _ = call(f"{server}/healthz")
    finished.append((time.monotonic(), "healthz"))
    for thread in guesses:
        thread.join(timeout=60)

    assert status == 200
    order = [what for _, what in sorted(finished)]
    assert order.index("healthz") < GUESSES // 2, order


def test_a_guess_waits_for_the_hosts_hashing_slot(env: dict[str, str], tmp_path: Path) -> None:
    # The host's one slot, held here as another instance hashing would hold it.
    host = {**env, "PARLEY_INSTANCE_PATH": str(tmp_path), "PASSWORD_HASHING_SLOTS": "1"}
    with parley_server(host) as url:
        slot = HashingSlots(tmp_path, 1)
        finished: list[tuple[float, str]] = []
        with slot.held():
            waiting = threading.Thread(target=guess, args=(url, finished))
            waiting.start()
            waiting.join(timeout=2)  # about 14 verifications' time

            assert waiting.is_alive()
            assert not finished
            status, _, _ = call(f"{url}/healthz")  # the event loop goes on meanwhile
            assert status == 200
        waiting.join(timeout=30)

    assert [what for _, what in finished] == ["guess"]
