"""What the person who ran `parley serve` or `parley cluster` reads: a supervisord event
listener writing one line per process started, stopped or failed, and one when Parley
answers. The processes' own output goes to their logs in the run folder.

A program with a probe is reported running only once the probe answers (a web instance's
or the load balancer's `/healthz`, Redis's PING), not when supervisord counts it started;
one that exits unexpectedly is reported with the end of its log; the listener itself
stops last, and says so. Run by supervisord as
`python -m parley.process_reports READY_URL RUN_DIR NAME=PROBE...` (an empty PROBE: none).
"""

import signal
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

import redis
from supervisor import childutils

PROBE_SECONDS = 60.0  # how long a probe waits for its program to answer
PROBE_INTERVAL = 0.2
LOG_LINES = 5  # of a failed program's log, shown


def answers(probe: str) -> bool:
    """Whether the program behind `probe` answers: HTTP 200, or a Redis PING."""
    try:
        if probe.startswith("http"):
            with urllib.request.urlopen(probe, timeout=2) as response:  # noqa: S310 -- ours
                return bool(response.status == 200)
        return bool(redis.Redis.from_url(probe, socket_timeout=2).ping())
    except (OSError, redis.RedisError):
        return False


def log_tail(log: Path, lines: int = LOG_LINES) -> list[str]:
    """The last lines of a program's log (none if it has none yet)."""
    try:
        return log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


class Reporter:
    """Turns supervisord's process state events into lines for a person."""

    def __init__(
        self,
        ready_url: str,
        run_dir: Path,
        probes: Mapping[str, str],
        out: TextIO = sys.stderr,
        answering: Callable[[str], bool] = answers,
    ) -> None:
        self.ready_url, self.run_dir, self.probes = ready_url, run_dir, dict(probes)
        self.out, self.answering = out, answering
        self.started: set[str] = set()  # reported running at least once
        self.ready = False
        self.lock = threading.Lock()

    def say(self, *lines: str) -> None:
        """Write lines at once (probes report from threads of their own)."""
        with self.lock:
            self.out.write("".join(f"{line}\n" for line in lines))
            self.out.flush()

    def stopped(self) -> NoReturn:
        """Say that Parley stopped, and end the listener."""
        self.say("Parley stopped.")
        sys.exit(0)

    def handle(self, event: str, name: str, pid: str, expected: str) -> None:
        """React to one PROCESS_STATE_* event of program `name`."""
        if name not in self.probes:  # this listener, or a program it was not told of
            return
        if event == "PROCESS_STATE_RUNNING":
            probe = self.probes[name]
            if probe:
                threading.Thread(target=self._probe, args=(name, pid, probe), daemon=True).start()
            else:
                self._running(name, pid, "running")
        elif event == "PROCESS_STATE_EXITED" and expected == "0":
            self.say(
                f"  {name:<9} exited unexpectedly; it is started again. {self._log(name)} ends:",
                *(f"    {line}" for line in log_tail(self._log(name))),
            )
        elif event == "PROCESS_STATE_BACKOFF":
            self.say(f"  {name:<9} failed to start; trying again. See {self._log(name)}.")
        elif event == "PROCESS_STATE_FATAL":
            self.say(
                f"  {name:<9} could not be started: given up. {self._log(name)} ends:",
                *(f"    {line}" for line in log_tail(self._log(name))),
            )

    def _probe(self, name: str, pid: str, probe: str) -> None:
        deadline = time.monotonic() + PROBE_SECONDS
        while not self.answering(probe):
            if time.monotonic() > deadline:
                self.say(f"  {name:<9} started (process {pid}) but does not answer {probe}")
                return
            time.sleep(PROBE_INTERVAL)
        self._running(name, pid, "answering")

    def _running(self, name: str, pid: str, how: str) -> None:
        with self.lock:  # probes of several programs may answer at once
            again = " again" if name in self.started else ""
            self.started.add(name)
            lines = [f"  {name:<9} {how}{again} (process {pid})"]
            if not self.ready and self.started == set(self.probes):
                self.ready = True
                lines.append(
                    f"Parley is ready: open {self.ready_url}  "
                    f"(Ctrl-C stops it; logs in {self.run_dir})"
                )
        self.say(*lines)

    def _log(self, name: str) -> Path:
        return self.run_dir / f"{name}.log"


def parse_probes(arguments: Sequence[str]) -> dict[str, str]:
    """NAME=PROBE arguments as a mapping (an empty PROBE: none)."""
    return dict(argument.split("=", 1) for argument in arguments)


def main(argv: Sequence[str]) -> None:
    """Listen to supervisord's events on stdin until it stops this listener."""
    reporter = Reporter(argv[0], Path(argv[1]), parse_probes(argv[2:]))
    # Stopped last (the lowest priority), once every other program has stopped.
    signal.signal(signal.SIGTERM, lambda *_: reporter.stopped())
    while True:
        headers, payload = childutils.listener.wait(sys.stdin, sys.stdout)
        fields, _ = childutils.eventdata(payload + "\n")
        reporter.handle(
            headers["eventname"],
            fields.get("processname", ""),
            fields.get("pid", "?"),
            fields.get("expected", "1"),
        )
        childutils.listener.ok(sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
