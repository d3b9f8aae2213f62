"""Attack: a storm of wrong passwords against a real gevent server.

Each Argon2id verification costs about a quarter of a second of CPU. Hashed on the
gevent hub, eight concurrent guesses stalled every other request of the instance.
"""

import base64
import threading
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.servers import call, parley_server, shared_env

GUESSES = 8
# The shipped Argon2id parameters, not the tests' cheap ones: the cost is the point.
REAL_HASHING = {
    "ARGON2_TIME_COST": "3",
    "ARGON2_MEMORY_COST_KIB": "65536",
    "ARGON2_PARALLELISM": "4",
}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with parley_server(shared_env("parley_test_hashing", **REAL_HASHING)) as url:
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
