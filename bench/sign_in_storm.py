"""Sign-in storm: does hashing wrong passwords stall an instance's other requests?

Each Argon2id verification costs about a quarter of a second of CPU, and a gevent
instance serves everything on one thread: hashed there, a few concurrent guesses
stalled every request of the instance. Parley hashes in native threads off the event
loop (parley/security.py); this measures what that leaves of the stall.

Two Parley instances behind HAProxy, on PostgreSQL and Redis, as `make cluster` runs
them, with the shipped Argon2id parameters and the limits out of reach (every guess is
hashed). Each round: wrk probes `GET /healthz` with PROBE connections for SECONDS,
alone; then again while a second wrk keeps STORM connections of wrong sign-ins going
(POST /api/v2/tokens for nicknames nobody has: each costs one verification, as a real
one would). Target: the storm's /healthz p99 at most 2x the quiet one, in every round.
Writes bench/reports/sign_in_storm.md. Usage:

    .venv/bin/python bench/sign_in_storm.py [--runs 3] [--seconds 10]
"""

import argparse
import base64
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reporting import say, verdict
from rest import Measurement, start, summary_of, wrk, wrk_command, wrk_env

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "bench" / "reports" / "sign_in_storm.md"
PROBE, STORM = 4, 16  # connections
TARGET = 2.0  # storm p99 / quiet p99, at most
STORM_WARMUP = 2  # seconds of storm before the probe starts
CREDENTIALS = ",".join(
    base64.b64encode(f"storm-nobody-{n}:wrong".encode()).decode() for n in range(64)
)


def storm_round(url: str, seconds: int) -> tuple[Measurement, Measurement, int]:
    """/healthz alone, then during a storm; and how many guesses the storm made."""
    quiet = wrk(url, "trivial", None, seconds, PROBE)
    storm = subprocess.Popen(
        wrk_command(url, seconds + STORM_WARMUP + 2, STORM),
        env=wrk_env("guess", None, REST_BENCH_CREDENTIALS=CREDENTIALS),
        stdout=subprocess.PIPE,
        text=True,
    )
    time.sleep(STORM_WARMUP)
    stormy = wrk(url, "trivial", None, seconds, PROBE)
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
                f"| {run + 1} | {quiet.p99_ms:.2f} | {stormy.p99_ms:.2f} | {ratio:.2f} | "
                f"{quiet.requests_per_s:,.0f} | {stormy.requests_per_s:,.0f} | "
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
                f"p=4); /healthz probed by wrk with {PROBE} connections for {args.seconds} s, "
                f"alone, then during a storm of {STORM} connections of wrong sign-ins. "
                "Everything shares the machine's 2 cores.",
                "",
                "| Round | quiet p99 ms | storm p99 ms | ratio | quiet req/s | storm req/s "
                "| guesses/s |",
                "|---|---|---|---|---|---|---|",
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
