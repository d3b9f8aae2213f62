"""Attack: a storm of wrong passwords against real gevent servers.

Each Argon2id verification costs about 0.15 s of CPU. Hashed on the
gevent hub, eight concurrent guesses stalled every other request of the instance; hashed
on every core of the host, they doubled the tail latency of everything else.
"""

import base64
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from parley.security import HashingSlots
from tests.servers import call, parley_server, shared_env, wait_until
from tests.v2_clients import Member

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


QUEUE_MAX = 4


class Guesses:
    """Wrong sign-ins, each in a thread of its own, and what they were answered."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.threads: list[threading.Thread] = []
        self.answers: list[tuple[int, str | None, object]] = []

    def one(self, nickname: str) -> threading.Thread:
        """Start one wrong sign-in as `nickname`; its thread."""

        def run() -> None:
            status, headers, body = call(
                f"{self.url}/api/v2/tokens",
                "POST",
                headers={"Authorization": _basic(nickname, "x")},
            )
            self.answers.append((status, headers.get("Retry-After"), body))

        thread = threading.Thread(target=run)
        thread.start()
        self.threads.append(thread)
        return thread

    def fill_the_queue(self, nicknames: list[str]) -> tuple[int, str | None, object]:
        """Guess until one is refused at once: the queue is then full of waiting guesses.
        The refusal."""
        for nickname in nicknames:
            thread = self.one(nickname)
            thread.join(timeout=0.5)  # a waiting guess stays; a refused one is answered
            if not thread.is_alive():
                return self.answers[-1]
        raise AssertionError("no guess was refused")

    def finish(self) -> list[int]:
        """Wait for every guess; the statuses of those that waited."""
        for thread in self.threads:
            thread.join(timeout=30)
        return sorted(status for status, _, _ in self.answers)


def open_transactions(database_url: str) -> int:
    """Connections of the server's database that sit in a transaction doing nothing."""
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres") as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND state = 'idle in transaction'",
            (database_url.rsplit("/", 1)[1],),
        ).fetchone()
    return int(row[0]) if row else 0


def one_slot_host(env: dict[str, str], folder: Path, queue: int) -> dict[str, str]:
    """A host's settings: one hashing slot (lock files in `folder`), a queue of `queue`."""
    return {
        **env,
        "PARLEY_INSTANCE_PATH": str(folder),
        "PASSWORD_HASHING_SLOTS": "1",
        "PASSWORD_HASHING_QUEUE_MAX": str(queue),
    }


def test_waiting_sign_ins_hold_no_connection_and_their_queue_is_bounded(
    env: dict[str, str], tmp_path: Path
) -> None:
    with parley_server(one_slot_host(env, tmp_path, QUEUE_MAX)) as url:
        ada = Member(url)  # signed up and in before the slot is taken
        guesses = Guesses(url)
        with HashingSlots(tmp_path, 1).held():
            # Half for ada (a real account), half for nicknames nobody has.
            names = [ada.nickname if n % 2 else f"nobody-{n}" for n in range(QUEUE_MAX + 4)]
            status, retry_after, body = guesses.fill_the_queue(names)

            assert (status, retry_after) == (503, "1"), body
            assert isinstance(body, dict)
            assert body["code"] == 503
            assert sum(thread.is_alive() for thread in guesses.threads) == QUEUE_MAX
            assert open_transactions(env["DATABASE_URL"]) == 0
            assert ada.call("GET", "/users/me")[0] == 200  # no pool slot is taken
        answered = guesses.finish()

    assert answered == [401] * QUEUE_MAX + [503]


def test_a_waiting_sign_in_whose_client_left_is_dropped(
    env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    host = one_slot_host(env, tmp_path, 1)
    with parley_server(host, log=log) as url, HashingSlots(tmp_path, 1).held():
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as gone:
            gone.sendall(
                b"POST /api/v2/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                + f"Authorization: {_basic('nobody', 'x')}\r\n\r\n".encode()
            )
            time.sleep(0.5)  # it waits for the slot held here
        wait_until(lambda: "whose client left" in log.read_text(), 10)
        # Its place in the queue (of one) is free again: the next guess waits, unrefused.
        guesses = Guesses(url)
        waiting = guesses.one("nobody-else")
        waiting.join(timeout=0.5)
        assert waiting.is_alive()
    assert guesses.finish() == [401]
