"""REST benchmark: API v2's history page and posting, against a trivial endpoint.

Two Parley instances (gunicorn, one gevent worker each) behind HAProxy, on PostgreSQL
and Redis, as `make cluster` runs them. wrk keeps 50 connections busy through HAProxy
on one endpoint at a time, for DURATION seconds after WARMUP seconds:

- trivial: `GET /healthz`, no authentication and no database: the app's ceiling;
- history: `GET /api/v2/channels/<id>/messages?limit=50&before=<seq>`, a page of 50
  messages ending anywhere in a seeded history, as a member (token checked each time);
- post: `POST /api/v2/channels/<id>/messages`, each with a new `client_msg_id`, all in
  one channel (the busiest case: every post takes that channel's next seq).

History pages before a seq already handed out are final, so each instance's read cache
(parley/read_cache.py) serves a page again once it has read it: the first run of a
fresh cluster mostly fills the caches (2,000 pages per instance), later runs find them
full. The report keeps every run's figures.

The three take turns within each run, so that drift hits them alike; the report gives
medians of the runs. Then, to show where the time goes, this process serves each endpoint
(and `GET /api/v2/users/me`, authentication plus one query) through Flask's test client on
the same database, and reports the CPU each request costs the app alone, without HTTP,
HAProxy or gevent. Writes bench/reports/rest.md. Usage:

    .venv/bin/python bench/rest.py [--runs 3] [--seconds 15] [--connections 50]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cpu import children_cpu_seconds, cpu_ms_per_unit, median_by_kind, read_cpu
from plans import BENCH_LIMITS, bench_plan
from reporting import say, verdict
from tests.topology import RunningCluster, start_cluster
from tests.v2_clients import Member

from parley.app import create_app
from parley.config import DevelopmentConfig, database_url

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "bench" / "reports" / "rest.md"
HISTORY_MESSAGES = 2000  # seeded before measuring; pages end anywhere in them
WARMUP_SECONDS = 3
ENDPOINTS = ("trivial", "history", "post")
# Issue 5's target is the history page's: requests/s vs trivial, and its p99. Posting's
# figures are reported beside them, with no target of their own.
TARGET_RATIO, TARGET_P99_MS = 0.5, 100.0
CPU_SAMPLES = 300  # requests per endpoint for the in-process CPU figures


@dataclass
class Measurement:
    """One endpoint, one wrk run."""

    endpoint: str
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    http_errors: int
    socket_errors: int
    # Machine CPU per request, by kind of process (bench/cpu.py), ms.
    cpu_ms: dict[str, float] = field(default_factory=dict)


class Seeded:
    """A member of a public channel that holds HISTORY_MESSAGES messages."""

    def __init__(self, url: str) -> None:
        self.member = Member(url)
        self.token = self.member.token
        self.channel_id = self.member.channel(f"bench-{self.member.nickname}")
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(self._seed, range(HISTORY_MESSAGES)))

    def _seed(self, n: int) -> None:
        status, body = self.member.post(
            self.channel_id, f"history **{n}** of the bench", f"seed-{n}"
        )
        if status != 201:
            raise RuntimeError(f"seeding: {status} {body}")

    def message_count(self) -> int:
        """Messages in the channel now (its last seq counts every event; posts only here)."""
        status, channel = self.member.call("GET", f"/channels/{self.channel_id}")
        if status != 200:
            raise RuntimeError(f"channel: {status} {channel}")
        return int(channel["last_seq"])


def wrk_env(endpoint: str, seeded: Seeded | None, **settings: str) -> dict[str, str]:
    """rest.lua's settings for one run against one endpoint."""
    env = {**os.environ, "REST_BENCH_ENDPOINT": endpoint, "REST_BENCH_RUN": uuid.uuid4().hex[:10]}
    if seeded is not None:
        env["REST_BENCH_TOKEN"] = seeded.token
        env["REST_BENCH_CHANNEL"] = str(seeded.channel_id)
        env["REST_BENCH_HISTORY"] = str(HISTORY_MESSAGES)
    return {**env, **settings}


def wrk_command(url: str, seconds: int, connections: int) -> list[str]:
    """wrk with rest.lua, 2 threads, keep-alive connections."""
    return [
        shutil.which("wrk") or "wrk",
        "--threads", "2",
        "--connections", str(connections),
        "--duration", f"{seconds}s",
        "--timeout", "10s",
        "--script", str(ROOT / "bench" / "rest.lua"),
        url,
    ]  # fmt: skip


def summary_of(output: str) -> dict[str, int]:
    """The JSON line rest.lua's done() writes."""
    summary: dict[str, int] = json.loads(
        next(line for line in output.splitlines() if line.startswith("{"))
    )
    return summary


def wrk(
    url: str, endpoint: str, seeded: Seeded | None, seconds: int, connections: int
) -> Measurement:
    """One wrk run against one endpoint; its summary."""
    env = wrk_env(endpoint, seeded)
    command = wrk_command(url, seconds, connections)
    before, wrk_before = read_cpu(), children_cpu_seconds()
    output = subprocess.run(
        command, env=env, capture_output=True, text=True, check=True, timeout=seconds + 60
    ).stdout
    after = read_cpu()
    # wrk has ended by now, so /proc no longer shows it: its CPU comes from its parent.
    ended = {"wrk": children_cpu_seconds() - wrk_before}
    summary = summary_of(output)
    return Measurement(
        endpoint=endpoint,
        requests=summary["requests"],
        requests_per_s=round(summary["requests"] / (summary["duration_us"] / 1e6), 1),
        p50_ms=round(summary["p50_us"] / 1000, 2),
        p99_ms=round(summary["p99_us"] / 1000, 2),
        max_ms=round(summary["max_us"] / 1000, 2),
        http_errors=summary["http_errors"],
        socket_errors=summary["socket_errors"],
        cpu_ms=cpu_ms_per_unit(before, after, summary["requests"], ended),
    )


def cpu_per_request(cluster: RunningCluster, seeded: Seeded) -> dict[str, float]:
    """The app's own CPU per request (ms), served in this process on the bench database."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url(cluster.plan.database_url),
        "REDIS_URL": cluster.plan.redis_url,
        "INSTANCE_PATH": str(cluster.plan.run_dir.resolve()),
    }
    client = create_app(type("BenchConfig", (DevelopmentConfig,), settings)).test_client()
    headers = {"Authorization": f"Bearer {seeded.token}"}
    messages = f"/api/v2/channels/{seeded.channel_id}/messages"

    def post(n: int) -> Any:
        body = {"source": f"cpu **{n}**", "client_msg_id": f"cpu-{uuid.uuid4().hex}"}
        return client.post(messages, json=body, headers=headers)

    requests = {
        "trivial": lambda n: client.get("/healthz"),
        "users/me": lambda n: client.get("/api/v2/users/me", headers=headers),
        # A page this app has not read yet (a read-cache miss), then pages it has.
        "history, first read": lambda n: client.get(
            f"{messages}?limit=50&before={51 + n % (HISTORY_MESSAGES - 50)}", headers=headers
        ),
        "history, cached": lambda n: client.get(
            f"{messages}?limit=50&before={51 + n % 20}", headers=headers
        ),
        "post": post,
    }
    figures = {}
    for name, send in requests.items():
        for n in range(CPU_SAMPLES, CPU_SAMPLES + 20):  # warm: connections, caches
            assert send(n).status_code < 300
        started = time.process_time()
        for n in range(CPU_SAMPLES):
            send(n)
        figures[name] = round((time.process_time() - started) / CPU_SAMPLES * 1000, 2)
    return figures


def median_of(runs: list[Measurement]) -> Measurement:
    """Field-wise median of one endpoint's runs."""
    fields = asdict(runs[0])
    for name in fields:
        if name not in ("endpoint", "cpu_ms"):
            fields[name] = statistics.median(getattr(run, name) for run in runs)
    fields["cpu_ms"] = median_by_kind([run.cpu_ms for run in runs])
    return Measurement(**fields)


def start(run_dir: Path) -> Any:
    """Two instances behind HAProxy on ports 7100-7102, as the fan-out bench uses."""
    plan = bench_plan(2, run_dir)
    env = {
        "SOCKETIO_CHANNEL": f"parley-bench-{uuid.uuid4().hex}",
        "PARLEY_ACCESS_LOG": "",
        "ACCESS_TOKEN_SECONDS": "7200",  # outlive the run
        **BENCH_LIMITS,
    }
    return start_cluster(plan, env=env, cwd=ROOT)  # v2 posts need no Celery worker


def measure(cluster: RunningCluster, runs: int, seconds: int, connections: int) -> dict[str, Any]:
    """Seed, then each run: every endpoint in turn. Medians, all runs, and checks."""
    url = cluster.plan.balancer_url
    say(f"seeding {HISTORY_MESSAGES} messages")
    seeded = Seeded(url)
    before = seeded.message_count()
    all_runs: dict[str, list[Measurement]] = {endpoint: [] for endpoint in ENDPOINTS}
    posted = 0
    for run in range(runs):
        for endpoint in ENDPOINTS:
            say(f"run {run + 1}/{runs}: {endpoint}")
            warm = wrk(url, endpoint, seeded, WARMUP_SECONDS, connections)
            result = wrk(url, endpoint, seeded, seconds, connections)
            all_runs[endpoint].append(result)
            if endpoint == "post":
                # Answered with success, so stored. A request wrk cut off at the end may
                # be stored too: the count is a lower bound of what must be there.
                posted += sum(m.requests - m.http_errors for m in (warm, result))
            say(f"  {asdict(result)}")
    stored = seeded.message_count() - before
    say("CPU per request, in process")
    cpu = cpu_per_request(cluster, seeded)
    return {
        "cpu_ms": cpu,
        "medians": {endpoint: median_of(results) for endpoint, results in all_runs.items()},
        "runs": all_runs,
        "posts_answered": posted,
        "posts_stored": stored,
    }


def cpu_table(medians: dict[str, Measurement]) -> list[str]:
    """Markdown rows: machine CPU ms per request, one column per endpoint."""
    kinds = sorted({kind for m in medians.values() for kind in m.cpu_ms if kind != "total"})
    header = ["| Process | " + " | ".join(medians) + " |", "|---|" + "---|" * len(medians)]
    rows = []
    for kind in [*kinds, "total"]:
        cells = " | ".join(f"{m.cpu_ms.get(kind, 0.0):.2f}" for m in medians.values())
        rows.append(f"| {kind} | {cells} |")
    return header + rows


def write_report(outcome: dict[str, Any], args: argparse.Namespace) -> str:
    """bench/reports/rest.md; returns the verdict lines."""
    medians: dict[str, Measurement] = outcome["medians"]
    trivial = medians["trivial"].requests_per_s
    rows = [
        f"| {m.endpoint} | {m.requests_per_s:,.0f} | {m.requests_per_s / trivial:.2f} | "
        f"{m.p50_ms:.1f} | {m.p99_ms:.1f} | {m.max_ms:.0f} | {m.http_errors} | {m.socket_errors} |"
        for m in medians.values()
    ]
    history, post = medians["history"], medians["post"]
    verdicts = [
        verdict("history requests/s vs trivial", history.requests_per_s / trivial, TARGET_RATIO),
        verdict("history p99 (ms)", history.p99_ms, TARGET_P99_MS, higher_is_better=False),
    ]
    posting = (
        f"- posting (no target): {post.requests_per_s:,.0f} requests/s, p99 {post.p99_ms:.1f} ms"
    )
    each_run = [
        f"| {m.endpoint} | {run + 1} | {m.requests_per_s:,.0f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} |"
        for endpoint_runs in outcome["runs"].values()
        for run, m in enumerate(endpoint_runs)
    ]
    command = (
        f".venv/bin/python bench/rest.py --runs {args.runs} --seconds {args.seconds} "
        f"--connections {args.connections}"
    )
    REPORT.write_text(
        "\n".join(
            [
                "# REST benchmark: API v2 history and posting against a trivial endpoint",
                "",
                f"Run on {time.strftime('%Y-%m-%d')} with `{command}` (`make bench-rest`).",
                f"2 Parley instances behind HAProxy, PostgreSQL and Redis; wrk with 2 threads "
                f"and {args.connections} keep-alive connections through HAProxy, "
                f"{args.seconds} s per measurement after {WARMUP_SECONDS} s of warm-up; "
                f"medians of {args.runs} runs. Everything shares the machine's 2 cores.",
                "",
                "| Endpoint | Requests/s | vs trivial | p50 ms | p99 ms | max ms "
                "| HTTP errors | socket errors |",
                "|---|---|---|---|---|---|---|---|",
                *rows,
                "",
                "- trivial: `GET /healthz` (no authentication, no database).",
                f"- history: a page of 50 of {HISTORY_MESSAGES} seeded messages, "
                "`?limit=50&before=<random seq>`, as a member.",
                "- post: `POST /api/v2/channels/<id>/messages`, a new `client_msg_id` each, "
                "all into one channel.",
                f"- Posts answered (wrk's count): {outcome['posts_answered']:,}; messages "
                f"stored: {outcome['posts_stored']:,}.",
                "",
                "## Machine CPU per request, by process",
                "",
                "Read from /proc around each measurement (bench/cpu.py), ms per request:",
                "where the machine's 2 cores went.",
                "",
                *cpu_table(medians),
                "",
                "## The app's CPU per request",
                "",
                "In this process, through Flask's test client, on the same database: what the",
                "app itself costs, without HTTP parsing, HAProxy or gevent.",
                "",
                "| Request | CPU ms |",
                "|---|---|",
                *[f"| {name} | {ms:.2f} |" for name, ms in outcome["cpu_ms"].items()],
                "",
                "## Targets",
                "",
                *verdicts,
                posting,
                "",
                "## Every run",
                "",
                "| Endpoint | Run | Requests/s | p50 ms | p99 ms |",
                "|---|---|---|---|---|",
                *each_run,
                "",
            ]
        )
    )
    return "\n".join(verdicts)


def main() -> None:
    """Bring up the topology, measure, write the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=50)
    args = parser.parse_args()
    with start(ROOT / "instance" / "bench-rest") as cluster:
        outcome = measure(cluster, args.runs, args.seconds, args.connections)
    if outcome["posts_stored"] < outcome["posts_answered"]:
        raise SystemExit(
            f"lost posts: {outcome['posts_answered']} answered, {outcome['posts_stored']} stored"
        )
    print(write_report(outcome, args))
    print(f"report: {REPORT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
