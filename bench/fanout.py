"""Fan-out benchmark: post -> database -> publish -> deliver, against a bare server.

In one run it brings up, in turn, a bare python-socketio broadcast server and
Parley, each as gunicorn/gevent instances behind HAProxy with Redis between
them, connects N socket.io-client sockets (node) through HAProxy and measures:

- paced: one message every PACE seconds; latency from the POST to the last
  socket's receipt (p50, p99);
- burst: messages posted back to back; deliveries per second until the last
  receipt (the fan-out capacity);
- memory: resident memory of the instances' workers per connected socket.

Then 10,000 sockets held on 2 Parley instances for HOLD_SECONDS. It writes
bench/reports/fanout.md with PNG plots. Usage:

    .venv/bin/python bench/fanout.py [--runs 3] [--quick]
"""

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from base64 import b64encode
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import socketio
from cpu import cpu_ms_per_unit, median_by_kind, read_cpu
from plans import BENCH_LIMITS, bench_plan
from reporting import say, verdict
from tests.topology import RunningCluster, start_cluster

from parley.deploy_templates import GUNICORN_CONFIG

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node") or "node"
REPORTS = ROOT / "bench" / "reports"
PACED_MESSAGES = 30
# Paced messages are spaced well beyond one fan-out, so that latency is not queueing.
SECONDS_BETWEEN_PACED_PER_1000_CLIENTS = 0.25
BURST_DELIVERIES = 200_000  # per burst; the message count follows from the clients
# Concurrent posters in a burst, each its own user and connection, as in a busy room.
# Each waits for its answer before posting again, so too few leave the servers idle
# between posts: with 8, Parley's workers idled a third of the time.
POSTERS = 64
POST_VIA = "socket"  # how Parley's posters post: "socket" or "rest" (--post-via)
POSTING_SOCKETS = 2  # Socket.IO connections the posters share, spread by HAProxy
POSTING = {
    "socket": "over Socket.IO (`post_message`, acknowledged after the commit and publish)",
    "rest": "through REST (`POST /api/messages`: 202, then a job run by the Celery worker)",
}
HOLD_CLIENTS, HOLD_SECONDS = 10_000, 30
DELIVERY_TIMEOUT = 120  # seconds to wait for the last receipt of a phase


Scenario = tuple[str, int, int]  # server, instances, clients


@dataclass
class Measurement:
    """One scenario, one run."""

    server: str
    instances: int
    clients: int
    connected: int
    connect_errors: int
    paced_p50_ms: float
    paced_p99_ms: float
    burst_messages: int
    deliveries_per_s: float
    burst_lost: int
    rss_kib_per_socket: float
    retried_posts: int = 0
    # Machine CPU per burst message, by kind of process (bench/cpu.py), ms.
    burst_cpu_ms: dict[str, float] = field(default_factory=dict)


class Generator:
    """bench/clients.mjs: N sockets in one node process, driven over stdin/stdout."""

    def __init__(self, urls: list[str], count: int, max_seconds: int) -> None:
        self.process = subprocess.Popen(
            [NODE, str(ROOT / "bench/clients.mjs"), str(count), str(max_seconds), *urls],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.ready = self._line("ready")

    def _line(self, event: str) -> dict[str, Any]:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            parsed: dict[str, Any] = json.loads(line)
            if parsed["event"] == event:
                return parsed
        raise RuntimeError(f"load generator exited before '{event}'")

    def report(self) -> dict[str, Any]:
        """Receipts so far: {seq: [count, first ms, last ms]}, connected, disconnects."""
        assert self.process.stdin is not None
        self.process.stdin.write("report\n")
        self.process.stdin.flush()
        return self._line("report")

    def close(self) -> None:
        """Close every socket and end the process."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)
        self.process.stdout.close()


class Poster:
    """Posts `bench <seq>` messages through the balancer.

    The bare server gets `POST /broadcast` on one keep-alive connection. Parley gets what
    Flack's own client sends: `post_message` on a Socket.IO connection, answered by its ack
    once the message is committed and published (POST_VIA = "socket"); or v1's REST
    `POST /api/messages`, asynchronous since the job-queue issue (POST_VIA = "rest").
    """

    def __init__(self, server: str, balancer: str, socket: socketio.Client | None = None) -> None:
        host, port = balancer.split(":")
        self.connection = http.client.HTTPConnection(host, int(port), timeout=30)
        self.server = server
        self.retries = 0
        self.headers = {"Content-Type": "application/json"}
        self.socket = socket
        if server == "parley":
            self.token = self._token()
            self.headers["Authorization"] = f"Bearer {self.token}"

    def close(self) -> None:
        """Hang up."""
        self.connection.close()

    def _request(self, method: str, path: str, body: object, headers: dict[str, str]) -> Any:
        try:
            self.connection.request(method, path, json.dumps(body), headers)
            response = self.connection.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            # A keep-alive connection closed as the request went out: once more, on a new
            # one. Counted in the report; Parley's posts carry an Idempotency-Key.
            self.retries += 1
            self.connection.close()
            self.connection.request(method, path, json.dumps(body), headers)
            response = self.connection.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:200]!r}")
        return json.loads(data) if data else None

    def _token(self) -> str:
        nickname = f"bench{uuid.uuid4().hex[:8]}"
        self._request(
            "POST", "/api/users", {"nickname": nickname, "password": "bench"}, self.headers
        )
        basic = b64encode(f"{nickname}:bench".encode()).decode()
        token: str = self._request(
            "POST", "/api/tokens", None, {"Authorization": f"Basic {basic}"}
        )["token"]
        return token

    def post(self, seq: int) -> float:
        """Post message `seq`; return when it was sent (ms since the epoch)."""
        sent = time.time() * 1000
        source = f"bench {seq}"
        if self.socket is not None:
            ack = self.socket.call("post_message", ({"source": source}, self.token), timeout=60)
            if not isinstance(ack, dict) or "id" not in ack:
                raise RuntimeError(f"post_message: {ack!r}")
        elif self.server == "parley":
            # A retried post (see _request) finds its job instead of posting twice.
            key = {"Idempotency-Key": f"bench-{seq}-{uuid.uuid4().hex}"}
            self._request("POST", "/api/messages", {"source": source}, {**self.headers, **key})
        else:  # the same payload shape Parley pushes
            model = {
                "id": seq,
                "source": source,
                "html": source,
                "user_id": 1,
                "created_at": 0,
                "updated_at": 0,
                "_links": {"self": f"/api/messages/{seq}", "user": "/api/users/1"},
            }
            self._request("POST", "/broadcast", {"class": "Message", "model": model}, self.headers)
        return sent


def posting_socket(url: str) -> socketio.Client:
    """A Socket.IO connection that posters share (each posts as its own user).

    Few of them: every socket also receives every message, and decoding that in this
    process would take CPU from the servers on the same cores.
    """
    client = socketio.Client()
    client.connect(url, transports=["websocket"])
    return client


def post_share(poster: Poster, seqs: range) -> bool:
    """One poster's share of a burst, back to back."""
    for seq in seqs:
        poster.post(seq)
    return True


def wait_for_receipts(generator: Generator, seqs: range, expected: int) -> dict[str, Any]:
    """Poll the generator until every message reached every socket, or the timeout."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    while True:
        report = generator.report()
        counts = [report["receipts"].get(str(seq), [0])[0] for seq in seqs]
        if all(count >= expected for count in counts) or time.monotonic() > deadline:
            return report
        time.sleep(0.5)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def workers_rss_kib(cluster: RunningCluster) -> int:
    """Resident memory of every instance's worker processes, KiB."""
    total = 0
    for instance in cluster.plan.instances:
        for pid in cluster.worker_pids(instance.name):
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(next(f.split()[1] for f in status.splitlines() if f.startswith("VmRSS:")))
    return total


def measure(cluster: RunningCluster, server: str, clients: int) -> Measurement:
    """Connect, then a paced and a burst phase; see the module docstring."""
    baseline = workers_rss_kib(cluster)
    generator = Generator([cluster.plan.balancer_url], clients, max_seconds=600)
    everyone: list[Poster] = []
    sockets: list[socketio.Client] = []
    try:
        connected, errors = generator.ready["connected"], generator.ready["errors"]
        say(
            f"  {connected}/{clients} connected in {generator.ready['seconds']:.1f} s, "
            f"{errors} errors"
        )
        time.sleep(2)  # let the handshakes' garbage settle before reading memory
        per_socket = (workers_rss_kib(cluster) - baseline) / max(connected, 1)
        # Every poster signs up and comes online: Parley pushes both to every socket.
        # Make them all now and let those pushes finish, outside the measured phases.
        if server == "parley" and POST_VIA == "socket":
            sockets += [posting_socket(cluster.plan.balancer_url) for _ in range(POSTING_SOCKETS)]
        everyone += [
            Poster(server, cluster.plan.balancer, sockets[n % len(sockets)] if sockets else None)
            for n in range(1 + POSTERS)
        ]
        poster, *posters = everyone
        # Each socket receives in order: once message 0 is everywhere, those pushes are done.
        poster.connection.close()  # signing the others up may outlast HAProxy's idle timeout
        poster.post(0)
        wait_for_receipts(generator, range(1), connected)

        say("  paced")
        pace = max(0.25, SECONDS_BETWEEN_PACED_PER_1000_CLIENTS * clients / 1000)
        paced_seqs = range(1, 1 + PACED_MESSAGES)
        sent = {}
        for seq in paced_seqs:
            sent[seq] = poster.post(seq)
            time.sleep(pace)
        report = wait_for_receipts(generator, paced_seqs, connected)
        paced = [
            report["receipts"][str(s)][2] - sent[s] for s in sent if str(s) in report["receipts"]
        ]

        burst = range(paced_seqs.stop, paced_seqs.stop + max(10, BURST_DELIVERIES // clients))
        for idle in posters:  # a fresh connection: the paced phase may outlast HAProxy's timeout
            idle.connection.close()
        say(f"  burst: {len(burst)} messages")
        first = time.time() * 1000
        cpu_before = read_cpu()
        with ThreadPoolExecutor(POSTERS) as pool:
            for done in pool.map(post_share, posters, [burst[i::POSTERS] for i in range(POSTERS)]):
                assert done
        report = wait_for_receipts(generator, burst, connected)
        cpu = cpu_ms_per_unit(cpu_before, read_cpu(), len(burst))
        say("  burst received")
        receipts = [report["receipts"].get(str(seq), [0, 0, first]) for seq in burst]
        delivered = sum(r[0] for r in receipts)
        elapsed_s = (max(r[2] for r in receipts) - first) / 1000
        return Measurement(
            server=server,
            instances=len(cluster.plan.instances),
            clients=clients,
            connected=connected,
            connect_errors=errors,
            paced_p50_ms=round(statistics.median(paced), 1),
            paced_p99_ms=round(percentile(paced, 0.99), 1),
            burst_messages=len(burst),
            deliveries_per_s=round(delivered / elapsed_s),
            burst_lost=len(burst) * connected - delivered,
            retried_posts=sum(p.retries for p in [poster, *posters]),
            rss_kib_per_socket=round(per_socket, 1),
            burst_cpu_ms=cpu,
        )
    finally:
        generator.close()
        for each in everyone:
            each.close()
        for socket in sockets:
            socket.disconnect()


def hold(cluster: RunningCluster) -> dict[str, Any]:
    """HOLD_CLIENTS sockets straight onto the instances, held HOLD_SECONDS."""
    baseline = workers_rss_kib(cluster)
    urls = [f"http://{instance.address}" for instance in cluster.plan.instances]
    generator = Generator(urls, HOLD_CLIENTS, max_seconds=HOLD_SECONDS + 300)
    try:
        ready = generator.ready
        say(f"  {ready['connected']}/{HOLD_CLIENTS} connected in {ready['seconds']:.1f} s")
        time.sleep(HOLD_SECONDS)
        report = generator.report()
        rss = workers_rss_kib(cluster) - baseline
        return {
            "clients": HOLD_CLIENTS,
            "connected_after_hold": report["connected"],
            "connect_errors": ready["errors"],
            "disconnects": report["disconnects"],
            "held_seconds": HOLD_SECONDS,
            "rss_kib_per_socket": round(rss / max(report["connected"], 1), 1),
        }
    finally:
        generator.close()


@contextmanager
def topology(server: str, instances: int, run_dir: Path) -> Iterator[RunningCluster]:
    """Instances of the bare server or of Parley, behind HAProxy, on ports from 7101."""
    plan = bench_plan(instances, run_dir)
    env = {
        "SOCKETIO_CHANNEL": f"parley-bench-{uuid.uuid4().hex}",
        "CELERY_QUEUE": f"parley-bench-{uuid.uuid4().hex}",
        "PARLEY_WORKER_CONNECTIONS": "12000",
        "PARLEY_ACCESS_LOG": "",
        # No presence churn mid-measurement: the idle posters would all go offline within a
        # run and push 64 User events to every socket (what beat's sweep is for, not this).
        "PRESENCE_TIMEOUT": "3600",
        **BENCH_LIMITS,
    }
    command = None
    if server == "bare":
        gunicorn = str(Path(sys.executable).with_name("gunicorn"))
        command = [
            gunicorn,
            "--config",
            str(GUNICORN_CONFIG),
            "--chdir",
            str(ROOT / "bench"),
            "bare_server:app",
        ]
    # v1 posts are asynchronous: Parley's message path includes the Celery worker.
    with start_cluster(
        plan, env=env, command=command, cwd=ROOT, jobs=server == "parley"
    ) as cluster:
        yield cluster


SCENARIOS = [("bare", 2, 1000), ("parley", 2, 1000), ("bare", 2, 5000), ("parley", 2, 5000),
             ("parley", 1, 5000)]  # fmt: skip
QUICK = [("bare", 2, 200), ("parley", 2, 200), ("parley", 1, 200)]


def median_of(runs: list[Measurement]) -> Measurement:
    """Field-wise median of several runs of one scenario."""
    fields = asdict(runs[0])
    for name, value in fields.items():
        if isinstance(value, int | float) and name not in ("instances", "clients"):
            fields[name] = statistics.median(getattr(run, name) for run in runs)
    fields["burst_cpu_ms"] = median_by_kind([run.burst_cpu_ms for run in runs])
    return Measurement(**fields)


def find(
    results: list[Measurement], server: str, instances: int, clients: int
) -> Measurement | None:
    """The median result of one scenario, if it ran."""
    return next(
        (r for r in results if (r.server, r.instances, r.clients) == (server, instances, clients)),
        None,
    )


def paired_ratios(rounds: dict[Scenario, list[Measurement]]) -> dict[str, list[float]]:
    """The deliveries/s ratios the targets name, one per round: Parley / bare with 2
    instances at each client count, and 2 instances / 1 at the largest.

    Both sides of a ratio ran in the same round, minutes apart.
    """
    ratios: dict[str, list[float]] = {}

    def pair(label: str, numerator: Scenario, denominator: Scenario) -> None:
        if rounds.get(numerator) and rounds.get(denominator):
            ratios[label] = [
                round(top.deliveries_per_s / bottom.deliveries_per_s, 3)
                for top, bottom in zip(rounds[numerator], rounds[denominator], strict=True)
            ]

    client_counts = sorted({clients for _, _, clients in rounds})
    for clients in client_counts:
        pair(f"parley/bare at {clients}", ("parley", 2, clients), ("bare", 2, clients))
    if client_counts:
        most = client_counts[-1]
        pair(f"2/1 instances at {most}", ("parley", 2, most), ("parley", 1, most))
    return ratios


def median(values: list[float]) -> float:
    """The median, rounded for a report."""
    return round(statistics.median(values), 3)


def verdicts(
    results: list[Measurement],
    rounds: dict[Scenario, list[Measurement]],
    held: dict[str, Any] | None,
) -> list[str]:
    """Each target of the realtime issue, met or missed (and by how much).

    A ratio's figure is the median of its per-round ratios (`paired_ratios`).
    """
    lines = []
    ratios = paired_ratios(rounds)

    def check(label: str, value: float, target: float, higher_is_better: bool) -> None:
        lines.append(verdict(label, value, target, higher_is_better=higher_is_better))

    for clients in sorted({r.clients for r in results}):
        parley = find(results, "parley", 2, clients)
        per_round = ratios.get(f"parley/bare at {clients}")
        if per_round:
            check(
                f"Parley / bare deliveries/s at {clients} clients, 2 instances "
                f"(per round: {per_round})",
                median(per_round),
                0.7,
                True,
            )
        if parley:
            target = 100 if clients <= 1000 else 500
            check(
                f"Parley paced p99 post-to-last-receipt at {clients} clients (ms)",
                parley.paced_p99_ms,
                target,
                False,
            )
    clients = max(r.clients for r in results)
    per_round = ratios.get(f"2/1 instances at {clients}")
    if per_round:
        check(
            f"2 instances / 1 instance deliveries/s at {clients} clients (per round: {per_round})",
            median(per_round),
            1.5,
            True,
        )
    if held:
        errors = (
            held["connect_errors"]
            + held["disconnects"]
            + held["clients"]
            - held["connected_after_hold"]
        )
        check(f"{held['clients']} sockets held {held['held_seconds']} s: errors", errors, 0, False)
        check(
            "resident memory per held socket (KiB)",
            held["rss_kib_per_socket"],
            100 * 1000 / 1024,
            False,
        )
    return lines


def plot(results: list[Measurement], path: Path) -> None:
    """Two panels: paced p99 latency and burst deliveries/s, per scenario."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{r.server}\n{r.instances} x {r.clients}" for r in results]
    colours = ["#999999" if r.server == "bare" else "#2b6cb0" for r in results]
    figure, (latency, throughput) = plt.subplots(1, 2, figsize=(11, 4.2))
    latency.bar(labels, [r.paced_p99_ms for r in results], color=colours)
    latency.set_title("post → last receipt, p99 (ms, paced)")
    throughput.bar(labels, [r.deliveries_per_s for r in results], color=colours)
    throughput.set_title("deliveries per second (burst)")
    for axis in (latency, throughput):
        axis.tick_params(axis="x", labelsize=8)
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle("Fan-out: bare python-socketio (grey) vs Parley (blue), behind HAProxy")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(
    results: list[Measurement],
    rounds: dict[Scenario, list[Measurement]],
    held: dict[str, Any] | None,
    runs: int,
    command: str,
) -> Path:
    """bench/reports/fanout.md and its plot."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    plot(results, REPORTS / "fanout.png")
    header = (
        "| server | instances | clients | connected | p50 ms | p99 ms | burst msgs | "
        "deliveries/s | lost | RSS KiB/socket | retried posts |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = "".join(
        f"| {r.server} | {r.instances} | {r.clients} | {r.connected:.0f} | {r.paced_p50_ms} | "
        f"{r.paced_p99_ms} | {r.burst_messages} | {r.deliveries_per_s:.0f} | {r.burst_lost:.0f} | "
        f"{r.rss_kib_per_socket} | {r.retried_posts:.0f} |\n"
        for r in results
    )
    hold_text = "not run" if held is None else "\n".join(f"- {k}: {v}" for k, v in held.items())
    kinds = sorted({kind for r in results for kind in r.burst_cpu_ms if kind != "total"})
    cpu_rows = "".join(
        f"| {r.server} | {r.instances} | {r.clients} | "
        + " | ".join(f"{r.burst_cpu_ms.get(kind, 0.0):.2f}" for kind in [*kinds, "total"])
        + " |\n"
        for r in results
    )
    cpu_table = (
        "| server | instances | clients | " + " | ".join([*kinds, "total"]) + " |\n"
        "|---|---|---|" + "---|" * (len(kinds) + 1) + "\n" + cpu_rows
    )
    path = REPORTS / "fanout.md"
    path.write_text(
        f"# Fan-out benchmark\n\nCommand: `{command}` ({runs} round(s), each running every "
        f"scenario once; medians, and ratios per round; "
        f"{time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)\n\n"
        f"Paced: {PACED_MESSAGES} messages, one every max(0.25 s, 0.25 s per 1,000 clients). "
        f"Parley is posted to {POSTING[POST_VIA]}. "
        f"Burst: {POSTERS} concurrent posters, back to back, "
        f"~{BURST_DELIVERIES:,} deliveries. Clients: node socket.io-client over WebSocket through "
        f"HAProxy; the load generator runs on the same 2 cores.\n\n"
        f"![fan-out](fanout.png)\n\n{header}{rows}\n"
        f"## Machine CPU per burst message, by process (ms)\n\n"
        f"Read from /proc before and after each burst (bench/cpu.py): where the 2 cores "
        f"went for each message and its deliveries.\n\n{cpu_table}\n"
        f"## {HOLD_CLIENTS:,} sockets held on 2 Parley instances\n\n"
        f"Straight onto the instances: through HAProxy they would need 2 descriptors each, past "
        f"this machine's limit of 20,000.\n\n{hold_text}\n\n"
        f"## Targets\n\n" + "\n".join(verdicts(results, rounds, held)) + "\n"
    )
    return path


def parse_scenario(text: str) -> tuple[str, int, int]:
    """`parley:2:1000` -> ("parley", 2, 1000)."""
    server, instances, clients = text.split(":")
    if server not in ("bare", "parley"):
        raise SystemExit(f"--scenario: unknown server {server!r} (bare or parley)")
    return server, int(instances), int(clients)


def main() -> None:
    """Run every scenario `--runs` times and write the report."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="rounds, each running every scenario once (medians)"
    )
    parser.add_argument("--quick", action="store_true", help="small numbers, to try the bench")
    parser.add_argument(
        "--post-via", choices=["socket", "rest"], default="socket", help="how Parley is posted to"
    )
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="SERVER:INSTANCES:CLIENTS",
        help="run only this scenario (repeatable), e.g. parley:2:1000; no hold phase",
    )
    options = parser.parse_args()
    global HOLD_CLIENTS, HOLD_SECONDS, BURST_DELIVERIES, POST_VIA
    POST_VIA = options.post_via
    scenarios = QUICK if options.quick else SCENARIOS
    if options.scenario:
        scenarios = [parse_scenario(text) for text in options.scenario]
    if options.quick:
        HOLD_CLIENTS, HOLD_SECONDS, BURST_DELIVERIES = 1000, 5, 10_000
    run_dir = ROOT / "instance" / "bench"
    # Round by round, every scenario once per round: the machine's speed drifts over
    # minutes, and a bare run and a Parley run of one round are minutes apart, not
    # a quarter of an hour. Ratios are taken within each round (`paired_ratios`).
    rounds: dict[Scenario, list[Measurement]] = {scenario: [] for scenario in scenarios}
    for run in range(options.runs):
        for number, (server, instances, clients) in enumerate(scenarios, 1):
            say(
                f"[round {run + 1}/{options.runs}, {number}/{len(scenarios)}] {server}, "
                f"{instances} instance(s), {clients} clients"
            )
            with topology(server, instances, run_dir) as cluster:
                measured = measure(cluster, server, clients)
            rounds[server, instances, clients].append(measured)
            say(f"  {asdict(measured)}")
    results = [median_of(runs) for runs in rounds.values()]
    if options.scenario:
        for result in results:
            print(json.dumps(asdict(result)))
        for label, ratios in paired_ratios(rounds).items():
            print(json.dumps({"ratio": label, "per_round": ratios, "median": median(ratios)}))
        return  # a partial run: the report stays the full run's
    say(f"holding {HOLD_CLIENTS} sockets on 2 Parley instances for {HOLD_SECONDS} s")
    with topology("parley", 2, run_dir) as cluster:
        held = hold(cluster)
    say(f"  {held}")
    arguments = " ".join(
        a
        for a in (
            "--quick" if options.quick else "",
            "--post-via rest" if POST_VIA == "rest" else "",
        )
        if a
    )
    command = "make bench" + (f" ARGS='{arguments}'" if arguments else "")
    report = write_report(results, rounds, held, options.runs, command)
    say(f"report: {report}")
    print(report.read_text())


if __name__ == "__main__":
    main()
