"""Sign-in storm: does hashing wrong passwords slow an instance's other requests?

Each Argon2id verification costs about 0.15 s of CPU, and a gevent instance
serves everything on one thread: hashed there, a few concurrent guesses stalled every
request of the instance. Parley hashes in native threads off the event loop, under
SCHED_IDLE, and on at most PASSWORD_HASHING_SLOTS cores of the host at once
(parley/security.py); this measures what is left of the stall.

Two Parley instances behind HAProxy, on PostgreSQL and Redis, as `make cluster` runs
them, with the shipped Argon2id parameters and the limits out of reach (every guess is
hashed: a storm from many addresses). A storm is STORM wrk connections of wrong sign-ins
(POST /api/v2/tokens for nicknames nobody has: each costs one verification, as a real
one would). Each round measures two ways:

- Under load, as the REST benchmark measures `GET /healthz` (wrk, LOAD connections):
  alone, then during a storm. The issue's measure.
- A paced probe on an otherwise idle machine: `GET /healthz` every PROBE_INTERVAL on one
  keep-alive connection, through quiet, storm and control phases in turn, so that drift
  of this shared machine hits them alike. The control hashes as the storm does, in
  processes of its own that take no request: it shows what any hashing on that many
  cores does to the probe here, with no part of Parley in it.

Target: the storm's /healthz p99 at most 2x the quiet one, in every round. Writes
bench/reports/sign_in_storm.md. Usage:

    .venv/bin/python bench/sign_in_storm.py [--runs 3] [--seconds 12]
"""

import argparse
import base64
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from reporting import say, verdict
from rest import WARMUP_SECONDS, Measurement, start, summary_of, wrk, wrk_command, wrk_env

from parley.config import Config
from parley.security import lower_this_threads_priority, password_hasher

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "bench" / "reports" / "sign_in_storm.md"
STORM = 16  # connections
LOAD = 50  # connections of the REST benchmark's load on /healthz
PROBE_INTERVAL = 0.02  # seconds between probes: 50 a second
TARGET = 2.0  # storm p99 / quiet p99, at most
PHASE = 3  # seconds counted in each quiet and each storm phase
STORM_WARMUP = 2  # seconds of storm before its phase counts
SETTLE = 5  # seconds after a storm before a quiet phase counts: its queued guesses finish
CREDENTIALS = ",".join(
    base64.b64encode(f"storm-nobody-{n}:wrong".encode()).decode() for n in range(64)
)


@dataclass(frozen=True)
class Probe:
    """The latencies of the probes of one kind of phase, ms."""

    p50_ms: float
    p99_ms: float
    max_ms: float
    count: int


def summarize(latencies: list[float]) -> Probe:
    """p50, p99 and max of a list of latencies."""
    cuts = statistics.quantiles(latencies, n=100)
    return Probe(round(cuts[49], 2), round(cuts[98], 2), round(max(latencies), 2), len(latencies))


class Prober(threading.Thread):
    """GET `path` (/healthz) every `interval` (PROBE_INTERVAL) on one keep-alive
    connection, until stopped; each answer's start time and latency."""

    def __init__(
        self,
        url: str,
        path: str = "/healthz",
        headers: dict[str, str] | None = None,
        interval: float = PROBE_INTERVAL,
    ) -> None:
        super().__init__(daemon=True)
        self.url = urlsplit(url)
        self.path, self.headers, self.interval = path, headers or {}, interval
        self.samples: list[tuple[float, float]] = []
        self.stopping = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        """Probe until stopped; a failure is kept for the caller."""
        connection = http.client.HTTPConnection(
            self.url.hostname or "127.0.0.1", self.url.port, timeout=30
        )
        try:
            next_at = time.monotonic()
            while not self.stopping.is_set():
                time.sleep(max(0.0, next_at - time.monotonic()))
                started = time.monotonic()
                connection.request("GET", self.path, headers=self.headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    raise RuntimeError(f"{self.path} answered {response.status}")
                self.samples.append((started, (time.monotonic() - started) * 1000))
                next_at += self.interval
        except Exception as error:  # reported by the caller, once the round ends
            self.failure = error
        finally:
            connection.close()

    def between(self, start: float, end: float) -> list[float]:
        """The latencies of the probes sent in [start, end)."""
        return [latency for sent, latency in self.samples if start <= sent < end]


def start_storm(url: str, seconds: int) -> subprocess.Popen[str]:
    """wrk keeping STORM connections of wrong sign-ins going for `seconds`; its summary
    (summary_of) on its standard output."""
    return subprocess.Popen(
        wrk_command(url, seconds, STORM),
        env=wrk_env("guess", None, REST_BENCH_CREDENTIALS=CREDENTIALS),
        stdout=subprocess.PIPE,
        text=True,
    )


@dataclass(frozen=True)
class PacedRound:
    """One round of the paced probe: quiet, storm and control phases."""

    quiet: Probe
    storm: Probe
    control: Probe
    guesses_per_s: float


def storm_round(url: str, phases: int) -> PacedRound:
    """/healthz through `phases` quiet, storm and control phases, in turn.

    A control phase hashes as a storm does, at the same priority and on as many cores,
    in processes of their own that take no request: what the machine does to the probe
    when that much of it is busy, with no part of Parley in it.
    """
    prober = Prober(url)
    prober.start()
    quiet: list[float] = []
    stormy: list[float] = []
    control: list[float] = []
    guesses = 0
    try:
        for _ in range(phases):
            # Quiet: a storm's queued verifications finish first (SETTLE), then count.
            started = time.monotonic()
            time.sleep(SETTLE + PHASE)
            quiet += prober.between(started + SETTLE, started + SETTLE + PHASE)
            started = time.monotonic()
            storm = start_storm(url, STORM_WARMUP + PHASE + 1)
            output, _ = storm.communicate(timeout=STORM_WARMUP + PHASE + 60)
            stormy += prober.between(started + STORM_WARMUP, started + STORM_WARMUP + PHASE)
            guesses += summary_of(output)["requests"]
            time.sleep(SETTLE)
            hashers = [
                subprocess.Popen([sys.executable, __file__, "--hash-forever"])
                for _ in range(Config.PASSWORD_HASHING_SLOTS)
            ]
            started = time.monotonic()
            time.sleep(STORM_WARMUP + PHASE)
            control += prober.between(started + STORM_WARMUP, started + STORM_WARMUP + PHASE)
            for hasher in hashers:
                hasher.kill()
                hasher.wait()
    finally:
        prober.stopping.set()
        prober.join()
    if prober.failure is not None:
        raise RuntimeError("the /healthz probe failed") from prober.failure
    guesses_per_s = guesses / (phases * (STORM_WARMUP + PHASE + 1))
    return PacedRound(summarize(quiet), summarize(stormy), summarize(control), guesses_per_s)


def hash_forever() -> None:
    """The control's load: verify a password with the shipped parameters, at the
    priority of Parley's hashing threads, until killed."""
    lower_this_threads_priority()
    hasher = password_hasher(vars(Config))
    password_hash = hasher.hash("control")
    while True:
        hasher.verify(password_hash, "control")


def load_round(url: str, seconds: int) -> tuple[Measurement, Measurement, float]:
    """The REST benchmark's /healthz (wrk, LOAD connections) alone, then during a storm;
    and the guesses answered per second during it."""
    time.sleep(SETTLE)  # the previous storm's queued guesses finish
    wrk(url, "trivial", None, WARMUP_SECONDS, LOAD)
    quiet = wrk(url, "trivial", None, seconds, LOAD)
    storm = start_storm(url, STORM_WARMUP + WARMUP_SECONDS + seconds + 1)
    time.sleep(STORM_WARMUP)
    wrk(url, "trivial", None, WARMUP_SECONDS, LOAD)
    stormy = wrk(url, "trivial", None, seconds, LOAD)
    output, _ = storm.communicate(timeout=seconds + 60)
    guesses = summary_of(output)["requests"] / (STORM_WARMUP + WARMUP_SECONDS + seconds + 1)
    return quiet, stormy, guesses


def main() -> None:
    """Bring up the topology, run the rounds of both measures, write the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=12, help="counted of each kind a round")
    parser.add_argument("--hash-forever", action="store_true", help="(the control's load)")
    args = parser.parse_args()
    if args.hash_forever:
        hash_forever()
    phases = max(1, -(-args.seconds // PHASE))
    loaded_rows, paced_rows, loaded_verdicts, paced_verdicts = [], [], [], []
    with start(ROOT / "instance" / "bench-storm") as cluster:
        url = cluster.plan.balancer_url
        for run in range(args.runs):
            say(f"round {run + 1}/{args.runs}: under load")
            quiet, stormy, guesses = load_round(url, args.seconds)
            ratio = stormy.p99_ms / quiet.p99_ms
            say(f"  quiet p99 {quiet.p99_ms} ms, storm p99 {stormy.p99_ms} ms, x{ratio:.2f}")
            loaded_rows.append(
                f"| {run + 1} | {quiet.requests_per_s:,.0f} | {quiet.p50_ms:.2f} | "
                f"{quiet.p99_ms:.2f} | {stormy.requests_per_s:,.0f} | {stormy.p50_ms:.2f} | "
                f"{stormy.p99_ms:.2f} | {ratio:.2f} | {guesses:.1f} |"
            )
            loaded_verdicts.append(verdict(f"round {run + 1}: storm p99 / quiet p99, under load",
                                           ratio, TARGET, higher_is_better=False))  # fmt: skip
            say(f"round {run + 1}/{args.runs}: paced probe")
            paced = storm_round(url, phases)
            quiet_probe, storm_probe, control = paced.quiet, paced.storm, paced.control
            ratio = storm_probe.p99_ms / quiet_probe.p99_ms
            say(
                f"  quiet p99 {quiet_probe.p99_ms} ms, storm p99 {storm_probe.p99_ms} ms, "
                f"x{ratio:.2f}"
            )
            paced_rows.append(
                f"| {run + 1} | {quiet_probe.p50_ms:.2f} | {quiet_probe.p99_ms:.2f} | "
                f"{storm_probe.p50_ms:.2f} | {storm_probe.p99_ms:.2f} | {storm_probe.max_ms:.1f} | "
                f"{ratio:.2f} | {paced.guesses_per_s:.1f} | {control.p99_ms:.2f} | "
                f"{control.p99_ms / quiet_probe.p99_ms:.2f} |"
            )
            paced_verdicts.append(verdict(f"round {run + 1}: storm p99 / quiet p99, paced probe",
                                          ratio, TARGET, higher_is_better=False))  # fmt: skip
    command = f".venv/bin/python bench/sign_in_storm.py --runs {args.runs} --seconds {args.seconds}"
    REPORT.write_text(
        "\n".join(
            [
                "# Sign-in storm: /healthz while wrong passwords are hashed",
                "",
                f"Run on {time.strftime('%Y-%m-%d')} with `{command}`.",
                f"2 Parley instances behind HAProxy, Argon2id t={Config.ARGON2_TIME_COST}, "
                f"{Config.ARGON2_MEMORY_COST_KIB // 1024} MiB, p={Config.ARGON2_PARALLELISM}, "
                f"{Config.PASSWORD_HASHING_THREADS} hashing thread per instance, "
                f"{Config.PASSWORD_HASHING_SLOTS} hash at once on the host; every limit out "
                f"of reach. A storm is {STORM} wrk connections of wrong sign-ins. Everything "
                f"shares the machine's {os.cpu_count()} cores.",
                "",
                "## Under load: the REST benchmark's /healthz",
                "",
                f"wrk with {LOAD} connections on `GET /healthz` for {args.seconds} s (after "
                f"{WARMUP_SECONDS} s of warm-up), alone, then during a storm (started "
                f"{STORM_WARMUP} s before).",
                "",
                "| Round | quiet req/s | quiet p50 ms | quiet p99 ms | storm req/s "
                "| storm p50 ms | storm p99 ms | p99 ratio | guesses/s |",
                "|---|---|---|---|---|---|---|---|---|",
                *loaded_rows,
                "",
                "## Paced probe on an otherwise idle machine",
                "",
                f"/healthz every {PROBE_INTERVAL * 1000:.0f} ms on one keep-alive connection "
                f"through {phases} quiet, storm and control phases in turn ({PHASE} s counted "
                f"of each; a storm or control phase counted after {STORM_WARMUP} s, a quiet "
                f"phase {SETTLE} s after the storm before it). Control: "
                f"{Config.PASSWORD_HASHING_SLOTS} process(es) of their own verifying a "
                "password with the same parameters under SCHED_IDLE, no request sent: the "
                "machine's own answer to that much hashing.",
                "",
                "| Round | quiet p50 ms | quiet p99 ms | storm p50 ms | storm p99 ms "
                "| storm max ms | p99 ratio | guesses/s | control p99 ms | control ratio |",
                "|---|---|---|---|---|---|---|---|---|---|",
                *paced_rows,
                "",
                "## Target: storm p99 at most 2x quiet p99, every round",
                "",
                *loaded_verdicts,
                *paced_verdicts,
                "",
            ]
        )
    )
    print("\n".join(loaded_verdicts + paced_verdicts))
    print(f"report: {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
