"""Search's cost to everyone else: one user searching at the limit over 200,000 matching
messages while another user polls GET /users/me, on each database.

One gevent instance (gunicorn, as `make run` serves it) on the embedded SQLite file, and
one on PostgreSQL, each with 200,000 messages in the public #general that all hold the
word searched. Each round has two phases, in turn: quiet (the bystander alone, polling
`GET /api/v2/users/me` every POLL_INTERVAL on one keep-alive connection), then a search
phase: a fresh user runs as many searches as RATE_LIMIT_SEARCH allows (60 a minute, as
shipped), one after another, words matching every message, while the bystander polls.
A round is BURSTS such pairs of phases, so that its percentiles rest on a few hundred
polls. Every other limit is out of reach.

The control: after each search burst and another quiet phase, the same user sends as
many `GET /users/me` one after another, the cheapest authenticated request: what any
busy neighbour costs the bystander on one gevent worker, search or not.

Targets: the bystander's p99 during searches under 2x its quiet p99, and a search's p99
at most 200 ms, in every round. Writes bench/reports/search_cost.md. Usage:

    .venv/bin/python bench/search_cost.py [--rounds 3] [--databases sqlite,postgresql]
"""

import argparse
import http.client
import itertools
import json
import multiprocessing
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from plans import BENCH_LIMITS, POSTGRES, REDIS_URL, ROOT
from reporting import say
from sign_in_storm import Prober
from tests.servers import parley_server, server_env
from tests.topology import recreate_database
from tests.v2_clients import Member

MESSAGES = 200_000
REQUESTS = 60  # a burst: RATE_LIMIT_SEARCH as shipped, 60 per minute
PORT = 7150
POLL_INTERVAL = 0.02  # seconds between the bystander's requests
QUIET_SECONDS = 1  # before each burst
BURSTS = 10  # per round, each by a fresh user (a fresh limit)
RATIO_TARGET, SEARCH_P99_TARGET = 2.0, 200.0
WORDS = ["common", "common filler", '"common word"', "common -absent", "word or common"]
SEARCH_PATHS = [f"/api/v2/search?q={quote(words)}" for words in WORDS]
REPORT = ROOT / "bench" / "reports" / "search_cost.md"
# One row, made SQLite's way and PostgreSQL's way: every message holds "common".
SOURCE = "a common word, number {n}, with some filler text after it"


@dataclass(frozen=True)
class Latencies:
    """p50, p99 and max of some requests, ms, and how many."""

    p50: float
    p99: float
    max: float
    count: int


def summarize(samples: list[float]) -> Latencies:
    """Percentiles of a list of latencies (ms)."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return Latencies(round(cuts[49], 1), round(cuts[98], 1), round(max(samples), 1), len(samples))


def seed_sqlite(path: Path) -> None:
    """MESSAGES messages in #general, by one author, every one matching."""
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO users (nickname, password_hash, online, away, last_seen_at, "
            "created_at, updated_at) VALUES ('author', 'x', 0, 0, datetime(), datetime(), "
            "datetime())"
        )
        conn.execute(
            """
            WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ?)
            INSERT INTO messages (channel_id, seq, user_id, source, html, created_at,
                                  updated_at, reply_count)
            SELECT (SELECT id FROM channels WHERE name = 'general'), n,
                   (SELECT id FROM users WHERE nickname = 'author'),
                   replace(?, '{n}', n), '<p>m</p>', datetime(), datetime(), 0 FROM s
            """,
            (MESSAGES, SOURCE),
        )
        conn.execute("UPDATE channels SET last_seq = ? WHERE name = 'general'", (MESSAGES,))
        conn.execute("ANALYZE")


def seed_postgres(url: str) -> None:
    """MESSAGES messages in #general, by one author, every one matching."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (nickname, password_hash, online, away, last_seen_at, "
            "created_at, updated_at) VALUES ('author', 'x', false, false, now(), now(), now())"
        )
        conn.execute(
            """
            INSERT INTO messages (channel_id, seq, user_id, source, html, created_at,
                                  updated_at, reply_count)
            SELECT (SELECT id FROM channels WHERE name = 'general'), n,
                   (SELECT id FROM users WHERE nickname = 'author'),
                   replace(%s, '{n}', n::text), '<p>m</p>', now(), now(), 0
            FROM generate_series(1, %s) n
            """,
            (SOURCE, MESSAGES),
        )
        conn.execute("UPDATE channels SET last_seq = %s WHERE name = 'general'", (MESSAGES,))
        conn.execute("ANALYZE")


def burst(token: str, paths: list[str]) -> tuple[list[float], int, float, float]:
    """REQUESTS requests one after another on one connection, cycling through `paths`:
    their latencies (ms), how many failed (not 200, or a search that found nothing), and
    when the burst began and ended (time.monotonic, the same clock in every process).
    Run in a process of its own: in the bystander's, its work would hold the GIL while
    the bystander's thread waits to read its answers (5 ms a switch)."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Authorization": f"Bearer {token}"}
    latencies, failed, began = [], 0, time.monotonic()
    for path in itertools.islice(itertools.cycle(paths), REQUESTS):
        started = time.monotonic()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read())
        if response.status != 200 or ("results" in body and not body["results"]):
            failed += 1
        latencies.append((time.monotonic() - started) * 1000)
    connection.close()
    return latencies, failed, began, time.monotonic()


def instance_env(database_url: str, instance: Path) -> dict[str, str]:
    """One instance's environment: its database, a Redis database, the shipped search
    limit (every other one out of reach), cheap hashing for the users' sign-ups."""
    limits = {k: v for k, v in BENCH_LIMITS.items() if k != "RATE_LIMIT_SEARCH"}
    return server_env(
        **limits,
        RATE_LIMITS_ENABLED="1",
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        REDIS_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}:",
        PARLEY_INSTANCE_PATH=str(instance),
        PARLEY_ACCESS_LOG="",
        ACCESS_TOKEN_SECONDS="7200",  # noqa: S106 (a lifetime, not a secret)
    )


def measure(database: str, rounds: int) -> list[dict[str, Any]]:
    """Start an instance on `database`, seed it, and run the rounds."""
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder)
        if database == "sqlite":
            url = f"sqlite:///{instance / 'parley.db'}"
        else:
            url = recreate_database(POSTGRES, "parley_bench").replace(
                "postgresql://", "postgresql+psycopg://"
            )
        env = instance_env(url, instance)
        parley = str(Path(sys.executable).with_name("parley"))
        subprocess.run([parley, "db", "upgrade"], env=env, check=True, capture_output=True)
        say(f"{database}: seeding {MESSAGES:,} messages")
        if database == "sqlite":
            seed_sqlite(instance / "parley.db")
        else:
            seed_postgres(url.replace("+psycopg", ""))
        spawn = multiprocessing.get_context("spawn")
        with (
            parley_server(env, PORT, instance / "server.log") as base,
            ProcessPoolExecutor(1, mp_context=spawn) as neighbour,
        ):
            neighbour.submit(time.monotonic).result()  # started (and imported) before
            return [one_round(base, database, n, neighbour) for n in range(1, rounds + 1)]


def one_round(base: str, database: str, n: int, neighbour: Executor) -> dict[str, Any]:
    """BURSTS times: quiet, a fresh user's searches at the limit, quiet, the same user's
    control burst of GET /users/me, each burst in the `neighbour` process; the bystander
    polling throughout."""
    bystander = Member(base)
    headers = {"Authorization": f"Bearer {bystander.token}"}
    poller = Prober(base, "/api/v2/users/me", headers, POLL_INTERVAL)
    poller.start()
    polls: dict[str, list[float]] = {"quiet": [], "search": [], "control": []}
    answers: dict[str, list[float]] = {"search": [], "control": []}
    failed, took = 0, 0.0
    for _ in range(BURSTS):
        user = Member(base)  # signed up before the quiet phase: not counted
        for kind, paths in (("search", SEARCH_PATHS), ("control", ["/api/v2/users/me"])):
            quiet_start = time.monotonic()
            time.sleep(QUIET_SECONDS)
            done = neighbour.submit(burst, user.token, paths).result()
            latencies, not_ok, burst_start, burst_end = done
            polls["quiet"] += poller.between(quiet_start, burst_start)
            polls[kind] += poller.between(burst_start, burst_end)
            answers[kind] += latencies
            if kind == "search":
                failed += not_ok
                took += burst_end - burst_start
    poller.stopping.set()
    poller.join(60)
    if poller.failure:
        raise poller.failure
    quiet, searching, control = (summarize(polls[k]) for k in ("quiet", "search", "control"))
    outcome = {
        "database": database,
        "round": n,
        "quiet": quiet,
        "during": searching,
        "ratio": round(searching.p99 / quiet.p99, 2),
        "control": control,
        "control_ratio": round(control.p99 / quiet.p99, 2),
        "search": summarize(answers["search"]),
        "refused": failed,
        "seconds": round(took / BURSTS, 2),
    }
    say(f"{database} round {n}: {outcome}")
    return outcome


def met(condition: bool) -> str:
    """A target's verdict in a table cell."""
    return "met" if condition else "**MISSED**"


def write_report(results: list[dict[str, Any]], command: str) -> None:
    """bench/reports/search_cost.md: every round of every database."""
    lines = [
        "# Search's cost to a bystander",
        "",
        f"`{command}`: {MESSAGES:,} messages in the public #general, every one matching; "
        f"one gevent instance; bursts of {REQUESTS} searches one after another by a fresh "
        f"user (the shipped limit), words cycling through "
        f"{', '.join(f'`{w}`' for w in WORDS)}; the control: the same user's burst of "
        f"{REQUESTS} `GET /users/me`; the bystander's `GET /users/me` every "
        f"{POLL_INTERVAL * 1000:.0f} ms, {QUIET_SECONDS} s quiet before each burst; a round "
        f"is {BURSTS} users' search and control bursts. `a burst took s`: a search burst, "
        "on average.",
        "",
        "| Database | Round | quiet p50 / p99 ms | searching p50 / p99 / max ms | ratio (< 2) "
        "| control p50 / p99 / max ms | control ratio "
        "| search p50 / p99 / max ms (p99 ≤ 200) | failed | a burst took s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        quiet, during, search = r["quiet"], r["during"], r["search"]
        control = r["control"]
        cells = [
            r["database"],
            str(r["round"]),
            f"{quiet.p50} / {quiet.p99}",
            f"{during.p50} / {during.p99} / {during.max}",
            f"{r['ratio']} {met(r['ratio'] < RATIO_TARGET)}",
            f"{control.p50} / {control.p99} / {control.max}",
            str(r["control_ratio"]),
            f"{search.p50} / {search.p99} / {search.max} {met(search.p99 <= SEARCH_P99_TARGET)}",
            str(r["refused"]),
            str(r["seconds"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    REPORT.write_text("\n".join(lines) + "\n")
    say(f"wrote {REPORT}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    results = [
        outcome
        for database in args.databases.split(",")
        for outcome in measure(database, args.rounds)
    ]
    write_report(
        results, f"bench/search_cost.py --rounds {args.rounds} --databases {args.databases}"
    )


if __name__ == "__main__":
    main()
