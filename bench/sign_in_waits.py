"""Guesses waiting to be hashed: do they hold what other requests need?

One gevent instance on PostgreSQL with the shipped Argon2id parameters and limits,
behind a trusted proxy (PROXY_COUNT=1), so that guesses come from GUESS_ADDRESSES
addresses as a botnet's would. Each round: GUESSES wrong sign-ins for nicknames nobody
has, all at once; meanwhile PROBES `GET /users/me` of a signed-in user, spread over the
storm, and the owner's own sign-in (retried after a 503 as its Retry-After says).
Reported per round: the guesses' answers by status, the probes' latencies, and how long
the owner's sign-in took in all (and how many 503s it met first).

    .venv/bin/python bench/sign_in_waits.py [--rounds 3]
"""

import argparse
import base64
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from plans import ROOT, one_instance_env
from reporting import say
from tests.servers import call, parley_server
from tests.v2_clients import Member

GUESSES = 200
GUESS_ADDRESSES = 40
PROBES = 15
REPORT = ROOT / "bench" / "reports" / "sign_in_waits.md"


def basic(nickname: str, password: str) -> str:
    """An HTTP Basic Authorization value."""
    return "Basic " + base64.b64encode(f"{nickname}:{password}".encode()).decode()


def guess(url: str, n: int, statuses: Counter[int]) -> None:
    """One wrong sign-in for a nickname nobody has, from one of GUESS_ADDRESSES
    documentation addresses as the trusted proxy's header says (the traffic itself goes
    to loopback only)."""
    headers = {
        "Authorization": basic(f"nobody-{uuid.uuid4().hex[:8]}", "wrong"),
        "X-Forwarded-For": f"198.51.100.{n % GUESS_ADDRESSES + 1}",
    }
    status, _, _ = call(f"{url}/api/v2/tokens", "POST", headers=headers)
    statuses[status] += 1


def owner_signs_in(url: str, nickname: str) -> tuple[float, int]:
    """The owner's sign-in, retried after each 503 as Retry-After says: seconds in all,
    and the 503s met on the way."""
    started, refusals = time.monotonic(), 0
    while True:
        status, headers, _ = call(
            f"{url}/api/v2/tokens", "POST", headers={"Authorization": basic(nickname, "pw")}
        )
        if status != 503:
            assert status == 201, status
            return time.monotonic() - started, refusals
        refusals += 1
        time.sleep(float(headers.get("Retry-After") or 1))


def one_round(url: str, member: Member) -> dict[str, Any]:
    """A storm, with the probes and the owner's sign-in during it."""
    statuses: Counter[int] = Counter()
    storm = [threading.Thread(target=guess, args=(url, n, statuses)) for n in range(GUESSES)]
    for thread in storm:
        thread.start()
    owner: list[tuple[float, int]] = []
    signing_in = threading.Thread(target=lambda: owner.append(owner_signs_in(url, member.nickname)))
    signing_in.start()
    probes = []
    for _ in range(PROBES):
        started = time.monotonic()
        status, body = member.call("GET", "/users/me")
        assert status == 200, (status, body)
        probes.append((time.monotonic() - started) * 1000)
        time.sleep(0.1)
    for thread in [*storm, signing_in]:
        thread.join(120)
    return {
        "guesses": dict(sorted(statuses.items())),
        "probe_p50_ms": round(statistics.median(probes), 1),
        "probe_max_ms": round(max(probes), 1),
        "owner_seconds": round(owner[0][0], 2),
        "owner_503s": owner[0][1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rounds = []
    with tempfile.TemporaryDirectory() as folder:
        env = one_instance_env(
            "parley_bench_waits",
            Path(folder),
            PROXY_COUNT="1",
            ARGON2_TIME_COST="3",
            ARGON2_MEMORY_COST_KIB="65536",
            ARGON2_PARALLELISM="1",
        )
        with parley_server(env, log=Path(folder) / "server.log") as url:
            member = Member(url)
            for n in range(1, args.rounds + 1):
                rounds.append(one_round(url, member))
                say(f"round {n}: {rounds[-1]}")
                time.sleep(5)  # the queue drains
    lines = [
        "# Sign-ins waiting to be hashed",
        "",
        f"`bench/sign_in_waits.py --rounds {args.rounds}`: one gevent instance on "
        f"PostgreSQL, shipped Argon2id and limits; {GUESSES} wrong sign-ins at once for "
        f"nicknames nobody has, from {GUESS_ADDRESSES} addresses (X-Forwarded-For through "
        f"PROXY_COUNT=1); meanwhile {PROBES} `GET /users/me` 0.1 s apart and the owner's "
        "sign-in (retried after each 503 as Retry-After says).",
        "",
        "| Round | guesses by status | /users/me p50 / max ms | owner's sign-in s | 503s it met |",
        "|---|---|---|---|---|",
    ]
    for n, r in enumerate(rounds, 1):
        lines.append(
            f"| {n} | {r['guesses']} | {r['probe_p50_ms']} / {r['probe_max_ms']} "
            f"| {r['owner_seconds']} | {r['owner_503s']} |"
        )
    REPORT.write_text("\n".join(lines) + "\n")
    say(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
