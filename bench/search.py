"""Search benchmark: 1,000,000 messages in 1,000 channels on PostgreSQL, searched through
two instances behind HAProxy by 10 clients at once; latency per round.

The messages are made in SQL: 12 words each from a vocabulary of 4,000, drawn with a
skew (a few words are in most messages, most words in few), as in real chat. The queries
mix the common, the middling and the rare, pairs of words, phrases, exclusions, and the
channel and author filters, every one through GET /api/v2/search as a member of 10
channels (all 1,000 are public: every message is readable).

Usage: .venv/bin/python bench/search.py [--rounds 3] [--seconds 20] [--clients 10]
"""

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from plans import BENCH_LIMITS, ROOT, bench_plan
from tests.topology import RunningCluster, start_cluster
from tests.v2_clients import Member

MESSAGES = 1_000_000
CHANNELS = 1_000
AUTHORS = 100
VOCABULARY = 4_000
WORDS_PER_MESSAGE = 12
TARGET_P99_MS = 100.0
REPORT = ROOT / "bench/reports/search.md"


def words() -> list[str]:
    """The vocabulary: pronounceable made-up words, the same every run."""
    rng = random.Random(7)  # noqa: S311 (test data, not a secret)
    syllables = ["ka", "lo", "mi", "ten", "ra", "sú", "po", "vel", "dan", "ish", "qu", "or"]
    made: set[str] = set()
    while len(made) < VOCABULARY:
        made.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(made)


def seed(database_url: str, vocabulary: list[str]) -> dict[str, Any]:
    """The channels, authors and messages, made in the database at once; seconds taken."""
    started = time.monotonic()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP INDEX IF EXISTS ix_messages_search_vector")  # built once, after
        conn.execute(
            "INSERT INTO users (nickname, password_hash, online, away, last_seen_at, "
            "created_at, updated_at) SELECT 'author' || n, 'x', false, false, now(), now(), "
            "now() FROM generate_series(1, %s) n",
            (AUTHORS,),
        )
        conn.execute(
            "INSERT INTO channels (kind, name, topic, last_seq, created_at, updated_at) "
            "SELECT 'public', 'bench-' || n, '', %s, now(), now() FROM generate_series(1, %s) n",
            (MESSAGES // CHANNELS, CHANNELS),
        )
        first_author = conn.execute(
            "SELECT min(id) FROM users WHERE nickname LIKE 'author%%'"
        ).fetchone()
        # One statement; the lateral subquery refers to the row (s, c.n) so that its
        # random words are drawn again for every message.
        conn.execute(
            """
            INSERT INTO messages (channel_id, seq, user_id, source, html, created_at,
                                  updated_at, reply_count)
            SELECT c.id, s, %(first)s + (c.n + s) %% %(authors)s, t.text, t.text,
                   now() - (s || ' minutes')::interval, now() - (s || ' minutes')::interval, 0
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM channels
                  WHERE name LIKE 'bench-%%') c
            CROSS JOIN generate_series(1, %(per)s) s
            CROSS JOIN LATERAL (
                SELECT string_agg(
                    (%(words)s::text[])[1 + floor(power(random(), 3) * %(size)s)::int], ' '
                ) AS text
                FROM generate_series(1, %(count)s) w WHERE s > 0 AND c.n > 0
            ) t
            """,
            {
                "first": first_author[0] if first_author else 1,
                "per": MESSAGES // CHANNELS,
                "authors": AUTHORS,
                "words": vocabulary,
                "size": len(vocabulary),
                "count": WORDS_PER_MESSAGE,
            },
        )
        inserted = time.monotonic() - started
        conn.execute("CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector)")
        conn.execute("ANALYZE")
        count = conn.execute("SELECT count(*) FROM messages").fetchone()
    return {
        "messages": count[0] if count else 0,
        "insert_seconds": inserted,
        "index_seconds": time.monotonic() - started - inserted,
    }


def queries(vocabulary: list[str], channel_ids: list[int], author_ids: list[int]) -> list[str]:
    """The search mix, as query strings."""
    rng = random.Random(11)  # noqa: S311
    common, middling, rare = vocabulary[:5], vocabulary[50:400], vocabulary[2000:]
    made = []
    for _ in range(200):
        kind = rng.choice(
            ["common", "middling", "rare", "pair", "phrase", "not", "channel", "author"]
        )
        if kind == "common":
            q = rng.choice(common)
        elif kind == "middling":
            q = rng.choice(middling)
        elif kind == "rare":
            q = rng.choice(rare)
        elif kind == "pair":
            q = f"{rng.choice(middling)} {rng.choice(middling)}"
        elif kind == "phrase":
            q = f'"{rng.choice(common)} {rng.choice(common)}"'
        else:
            q = rng.choice(middling + rare)
        extra = ""
        if kind == "not":
            q = f"{rng.choice(middling)} -{rng.choice(common)}"
        elif kind == "channel":
            extra = f"&channel_id={rng.choice(channel_ids)}"
        elif kind == "author":
            extra = f"&author_id={rng.choice(author_ids)}"
        made.append(f"/api/v2/search?q={quote(q)}{extra}")
    return made


class Client(threading.Thread):
    """One client: searches one after another on a keep-alive connection until told."""

    def __init__(self, host: str, port: int, token: str, paths: list[str], stop: threading.Event):
        super().__init__(daemon=True)
        self.connection = http.client.HTTPConnection(host, port, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}"}
        self.paths, self.stop = paths, stop
        self.latencies: list[float] = []
        self.errors = 0

    def run(self) -> None:
        rng = random.Random(self.name)  # noqa: S311
        while not self.stop.is_set():
            path = rng.choice(self.paths)
            started = time.perf_counter()
            self.connection.request("GET", path, headers=self.headers)
            response = self.connection.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200 or "results" not in json.loads(body):
                self.errors += 1
            else:
                self.latencies.append(elapsed)


def round_of(
    cluster: RunningCluster, token: str, paths: list[str], clients: int, seconds: int
) -> dict[str, Any]:
    """`clients` searching at once for `seconds`: latency percentiles (ms)."""
    host, port = cluster.plan.balancer.split(":")
    stop = threading.Event()
    running = [Client(host, int(port), token, paths, stop) for _ in range(clients)]
    for client in running:
        client.start()
    time.sleep(seconds)
    stop.set()
    for client in running:
        client.join(30)
    latencies = sorted(ms for client in running for ms in client.latencies)
    return {
        "searches": len(latencies),
        "errors": sum(client.errors for client in running),
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "max": latencies[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    vocabulary = words()
    with tempfile.TemporaryDirectory() as run_dir:
        plan = bench_plan(2, Path(run_dir))
        env = {"PARLEY_ACCESS_LOG": "", "ACCESS_TOKEN_SECONDS": "7200", **BENCH_LIMITS}
        with start_cluster(plan, env=env, cwd=ROOT) as cluster:
            base = f"http://{cluster.plan.balancer}"
            seeded = seed(plan.database_url, vocabulary)
            print(f"seeded: {seeded}", flush=True)
            searcher = Member(base)
            token, user_id = searcher.token, searcher.id
            with psycopg.connect(plan.database_url, autocommit=True) as conn:
                channel_ids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT id FROM channels WHERE name LIKE 'bench-%' ORDER BY id LIMIT 10"
                    )
                ]
                conn.execute(
                    "INSERT INTO memberships (channel_id, user_id, role, last_read_seq, joined_at) "
                    "SELECT id, %s, 'member', 0, now() FROM channels WHERE id = ANY(%s)",
                    (user_id, channel_ids),
                )
                author_ids = [
                    r[0] for r in conn.execute("SELECT id FROM users WHERE nickname LIKE 'author%'")
                ]
            paths = queries(vocabulary, channel_ids, author_ids)
            round_of(cluster, token, paths, args.clients, 3)  # warm the caches and pools
            rounds = [
                round_of(cluster, token, paths, args.clients, args.seconds)
                for _ in range(args.rounds)
            ]
    for n, result in enumerate(rounds, 1):
        shown = {k: round(v, 1) if isinstance(v, float) else v for k, v in result.items()}
        print(f"round {n}: {json.dumps(shown)}")
    write_report(seeded, rounds, args)


def write_report(
    seeded: dict[str, Any], rounds: list[dict[str, Any]], args: argparse.Namespace
) -> None:
    """bench/reports/search.md: what was measured, every round."""
    command = (
        f"bench/search.py --rounds {args.rounds} --seconds {args.seconds} --clients {args.clients}"
    )
    lines = [
        "# Search: 1,000,000 messages, 10 clients at once",
        "",
        f"`{command}`: {seeded['messages']:,} messages in {CHANNELS:,} channels (made in "
        f"{seeded['insert_seconds']:.0f} s, indexed in {seeded['index_seconds']:.0f} s), "
        "GET /api/v2/search through HAProxy and two instances.",
        "",
        "| Round | Searches | Errors | p50 ms | p99 ms | max ms | p99 target (100 ms) |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(rounds, 1):
        verdict = "met" if r["p99"] <= TARGET_P99_MS else "missed"
        cells = [
            str(n),
            f"{r['searches']:,}",
            str(r["errors"]),
            *(f"{r[key]:.1f}" for key in ("p50", "p99", "max")),
            verdict,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    REPORT.write_text("\n".join(lines) + "\n")
    print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
