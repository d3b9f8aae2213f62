"""Socket floods from one user and one address, against another user's requests.

One gevent instance on PostgreSQL with the shipped socket limits (setting up the
channels and posts uses limits out of reach). Each round, while a bystander polls
`GET /api/v2/users/me` every POLL_INTERVAL:

- resume: the attacker, a member of CHANNELS channels of EVENTS events each, connects
  /v2 with a cursor of 0 in every channel, reads until every channel is resumed or told
  to resync, leaves the namespace, and again, CONNECTS times as fast as answered;
- sockets: another user opens SOCKETS connections from the same address and connects
  /v2 on each, then every socket sends TYPING typing events.

Reported: the pushes the resumes produced, the connects refused, the sockets and events
accepted, and the bystander's p50 / p99 / max quiet and during each flood.

    .venv/bin/python bench/socket_floods.py [--rounds 3]
"""

import argparse
import contextlib
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import websocket

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from plans import OUT_OF_REACH, ROOT, one_instance_env
from reporting import say
from search_cost import Latencies, summarize
from sign_in_storm import Prober
from tests.raw_socket import RawSocket, SocketClosedError
from tests.servers import parley_server
from tests.v2_clients import Member

CHANNELS, EVENTS = 100, 10
CONNECTS = 104
SOCKETS, TYPING = 100, 30
POLL_INTERVAL = 0.02
QUIET_SECONDS = 3
REPORT = ROOT / "bench" / "reports" / "socket_floods.md"


def seed(url: str) -> tuple[Member, list[int]]:
    """The attacker, member of CHANNELS channels of EVENTS messages each."""
    attacker = Member(url)
    channels = []
    for n in range(CHANNELS):
        channel = attacker.channel(f"flood-{uuid.uuid4().hex[:8]}-{n}")
        for m in range(EVENTS):
            status, _ = attacker.post(channel, f"event {m}", uuid.uuid4().hex)
            assert status == 201, status
        channels.append(channel)
    return attacker, channels


def resumes(url: str, attacker: Member, channels: list[int]) -> dict[str, int]:
    """CONNECTS connects of /v2 with every cursor at 0, each read to its end."""
    raw = RawSocket(url)
    pushes = refused = 0
    cursors = {str(channel): 0 for channel in channels}
    try:
        for _ in range(CONNECTS):
            before = len(raw.packets)
            answer = raw.connect("/v2", {"token": attacker.token, "cursors": cursors})
            if not answer.startswith("0/v2"):
                refused += 1
                continue
            raw.read_until(lambda at=before: _ends(raw, at) >= len(channels), timeout=60)
            pushes += sum(p.startswith("2/v2,") for p in raw.packets[before:])
            raw.send("1/v2,")
    finally:
        raw.close()
    return {"connects": CONNECTS, "refused": refused, "pushes": pushes}


def _ends(raw: RawSocket, since: int) -> int:
    return sum(p.startswith(('2/v2,["resumed"', '2/v2,["resync"')) for p in raw.packets[since:])


def sockets_and_typing(url: str, attacker: Member, channel: int) -> dict[str, int]:
    """SOCKETS connections from one address, /v2 on each, TYPING typing events each."""
    opened: list[RawSocket] = []
    handshakes_refused = connects_refused = accepted = refused = 0
    try:
        for _ in range(SOCKETS):
            try:
                raw = RawSocket(url)
            except websocket.WebSocketBadStatusException:
                handshakes_refused += 1
                continue
            opened.append(raw)
            if raw.connect("/v2", {"token": attacker.token}).startswith("0/v2"):
                continue
            connects_refused += 1
        for raw in opened:
            for n in range(TYPING):
                with contextlib.suppress(SocketClosedError, OSError):
                    raw.send(f'2/v2,{n}["typing",{{"channel_id":{channel}}}]')
        for raw in opened:
            with contextlib.suppress(SocketClosedError, OSError):
                raw.read_for(0.3)
            for packet in raw.packets:
                if packet.startswith("3/v2,"):
                    if '"status":429' in packet:
                        refused += 1
                    else:
                        accepted += 1
    finally:
        for raw in opened:
            raw.close()
    return {
        "handshakes_refused": handshakes_refused,
        "connects_refused": connects_refused,
        "events_acked_ok": accepted,
        "events_refused": refused,
    }


def one_round(url: str, attacker: Member, channels: list[int], n: int) -> dict[str, Any]:
    """Quiet, resume flood, quiet, socket flood; the bystander throughout. A fresh
    attacker token each round would not reset the limits: they are the user's."""
    bystander = Member(url)
    prober = Prober(
        url, "/api/v2/users/me", {"Authorization": f"Bearer {bystander.token}"}, POLL_INTERVAL
    )
    prober.start()
    marks = [time.monotonic()]
    time.sleep(QUIET_SECONDS)
    marks.append(time.monotonic())
    resumed = resumes(url, attacker, channels)
    marks.append(time.monotonic())
    time.sleep(QUIET_SECONDS)
    marks.append(time.monotonic())
    typist = Member(url)  # another user: the resumes spent the attacker's connects
    assert typist.call("PUT", f"/channels/{channels[0]}/members/me")[0] in (200, 201, 204)
    flooded = sockets_and_typing(url, typist, channels[0])
    marks.append(time.monotonic())
    prober.stopping.set()
    prober.join(30)
    phases: dict[str, Latencies] = {
        "quiet": summarize(prober.between(marks[0], marks[1]) + prober.between(marks[2], marks[3])),
        "resume": summarize(prober.between(marks[1], marks[2])),
        "sockets": summarize(prober.between(marks[3], marks[4])),
    }
    outcome = {"round": n, **resumed, **flooded, **phases}
    say(f"round {n}: {outcome}")
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup = dict.fromkeys(
        ("RATE_LIMIT_SIGN_UP", "RATE_LIMIT_CHANNEL", "RATE_LIMIT_POST", "RATE_LIMIT_REQUESTS"),
        OUT_OF_REACH,
    )
    with tempfile.TemporaryDirectory() as folder:
        lifetime = {"ACCESS_TOKEN_SECONDS": "7200"}  # outlive the run
        env = one_instance_env("parley_bench_floods", Path(folder), **setup, **lifetime)
        with parley_server(env) as url:
            say(f"seeding {CHANNELS} channels of {EVENTS} messages")
            attacker, channels = seed(url)
            rounds = []
            for n in range(1, args.rounds + 1):
                rounds.append(one_round(url, attacker, channels, n))
                time.sleep(61)  # the connect limits' minute passes
    write_report(rounds, args.rounds)


def write_report(rounds: list[dict[str, Any]], count: int) -> None:
    """bench/reports/socket_floods.md: every round."""
    lines = [
        "# Socket floods from one user and one address",
        "",
        f"`bench/socket_floods.py --rounds {count}`: one gevent instance on PostgreSQL, "
        f"shipped socket limits. Resume: {CONNECTS} connects of /v2 with a cursor of 0 in "
        f"{CHANNELS} channels of {EVENTS} events. Sockets: {SOCKETS} connections from one "
        f"address, /v2 on each, {TYPING} typing events each. A bystander's "
        f"`GET /users/me` every {POLL_INTERVAL * 1000:.0f} ms (p50 / p99 / max ms).",
        "",
        "| Round | resume connects refused | pushes | handshakes refused | /v2 refused "
        "| typing acked / refused | quiet | during resumes | during sockets |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rounds:
        cells = [
            str(r["round"]),
            f"{r['refused']} of {r['connects']}",
            f"{r['pushes']:,}",
            str(r["handshakes_refused"]),
            str(r["connects_refused"]),
            f"{r['events_acked_ok']} / {r['events_refused']}",
            *(f"{p.p50} / {p.p99} / {p.max}" for p in (r["quiet"], r["resume"], r["sockets"])),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    REPORT.write_text("\n".join(lines) + "\n")
    say(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
