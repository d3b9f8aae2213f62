"""Sign-in storm: does hashing wrong passwords stall an instance's other requests?

Each Argon2id verification costs about a quarter of a second of CPU, and a gevent
instance serves everything on one thread: hashed there, a few concurrent guesses
stalled every request of the instance. Parley hashes in native threads off the event
loop (parley/security.py); this measures what that leaves of the stall.

Two Parley instances behind HAProxy, on PostgreSQL and Redis, as `make cluster` runs
them, with the shipped Argon2id parameters and the limits out of reach (every guess is
hashed). Each round: a paced probe sends `GET /healthz` through HAProxy every
PROBE_INTERVAL seconds for SECONDS, on one keep-alive connection, and times each answer;
first alone, then while wrk keeps STORM connections of wrong sign-ins going (POST
/api/v2/tokens for nicknames nobody has: each costs one verification, as a real one
would). The probe is paced, not a closed loop: a loop as fast as it can go would measure
how the 2 cores are shared, where the question is whether a request waits behind hashing.
Target: the storm's /healthz p99 at most 2x the quiet one, in every round. Writes
bench/reports/sign_in_storm.md. Usage:

    .venv/bin/python bench/sign_in_storm.py [--runs 3] [--seconds 10]
"""

import argparse
import base64
import http.client
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reporting import say, verdict
from rest import start, summary_of, wrk_command, wrk_env

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "bench" / "reports" / "sign_in_storm.md"
STORM = 16  # connections
PROBE_INTERVAL = 0.02  # seconds between probes: 50 a second
TARGET = 2.0  # storm p99 / quiet p99, at most
STORM_WARMUP = 2  # seconds of storm before the probe starts
CREDENTIALS = ",".join(
    base64.b64encode(f"storm-nobody-{n}:wrong".encode()).decode() for n in range(64)
)


@dataclass(frozen=True)
class Probe:
    """The latencies of one paced probe, ms."""

    p50_ms: float
    p99_ms: float
    max_ms: float
    count: int


def probe(url: str, seconds: int) -> Probe:
    """GET /healthz every PROBE_INTERVAL for `seconds` on one keep-alive connection."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    latencies = []
    try:
        deadline = next_at = time.monotonic()
        deadline += seconds
        while next_at < deadline:
            time.sleep(max(0.0, next_at - time.monotonic()))
            started = time.monotonic()
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"/healthz answered {response.status}")
            latencies.append((time.monotonic() - started) * 1000)
            next_at += PROBE_INTERVAL
    finally:
        connection.close()
    cuts = statistics.quantiles(latencies, n=100)
    return Probe(round(cuts[49], 2), round(cuts[98], 2), round(max(latencies), 2), len(latencies))


def storm_round(url: str, seconds: int) -> tuple[Probe, Probe, int]:
    """/healthz alone, then during a storm; and how many guesses the storm made."""
    quiet = probe(url, seconds)
    storm = subprocess.Popen(
        wrk_command(url, seconds + STORM_WARMUP + 2, STORM),
        env=wrk_env("guess", None, REST_BENCH_CREDENTIALS=CREDENTIALS),
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(STORM_WARMUP)
    stormy = probe(url, seconds)
    output, _ = storm.communicate(timeout=seconds + 60)
    guesses = summary_of(output)
    return quiet, stormy, guesses["requests"]


def main() -> None:
    """Bring up the topology, run the rounds, write the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    rows, verdicts = [], []
    with start(ROOT / "instance" / "bench-storm") as cluster:
        url = cluster.plan.balancer_url
        for run in range(args.runs):
            say(f"round {run + 1}/{args.runs}")
            quiet, stormy, guesses = storm_round(url, args.seconds)
            ratio = stormy.p99_ms / quiet.p99_ms
            say(f"  quiet p99 {quiet.p99_ms} ms, storm p99 {stormy.p99_ms} ms, x{ratio:.2f}")
            rows.append(
                f"| {run + 1} | {quiet.p50_ms:.2f} | {quiet.p99_ms:.2f} | {stormy.p50_ms:.2f} | "
                f"{stormy.p99_ms:.2f} | {stormy.max_ms:.1f} | {ratio:.2f} | "
                f"{guesses / (args.seconds + STORM_WARMUP + 2):.1f} |"
            )
            verdicts.append(verdict(f"round {run + 1}: storm p99 / quiet p99", ratio, TARGET,
                                    higher_is_better=False))  # fmt: skip
    command = f".venv/bin/python bench/sign_in_storm.py --runs {args.runs} --seconds {args.seconds}"
    REPORT.write_text(
        "\n".join(
            [
                "# Sign-in storm: /healthz while wrong passwords are hashed",
                "",
                f"Run on {time.strftime('%Y-%m-%d')} with `{command}`.",
                "2 Parley instances behind HAProxy, shipped Argon2id parameters (t=3, 64 MiB, "
                f"p=4); /healthz probed every {PROBE_INTERVAL * 1000:.0f} ms for "
                f"{args.seconds} s on one keep-alive connection, alone, then during a storm "
                f"of {STORM} wrk connections of wrong sign-ins. Everything shares the "
                "machine's 2 cores.",
                "",
                "| Round | quiet p50 ms | quiet p99 ms | storm p50 ms | storm p99 ms "
                "| storm max ms | p99 ratio | guesses/s |",
                "|---|---|---|---|---|---|---|---|",
                *rows,
                "",
                "## Target: storm p99 at most 2x quiet p99, every round",
                "",
                *verdicts,
                "",
            ]
        )
    )
    print("\n".join(verdicts))
    print(f"report: {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
