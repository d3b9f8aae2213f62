"""The processes of `parley serve` and `parley cluster`, under supervisord.

A process that dies is started again (immediately if it had run a while, with a growing
back-off if it keeps failing to start) while the others go on serving. Ctrl-C (or
SIGTERM) stops them all, highest priority first. The configuration is rendered from
deploy/supervisord.conf.j2 into the run folder.

One supervisor per run folder: it holds the folder's lock for its whole life (through
its exec into supervisord), so a second start on the folder says who runs it and exits.
Every program is tethered to supervisord (parley.tether): if supervisord dies, even by
SIGKILL, its programs are stopped too, and nothing of it serves unsupervised. The
terminal shows parley.process_reports' lines; each program's output goes to its log in
the run folder (supervisord's own to supervisord.log).
"""

import fcntl
import os
import shlex
import sys
import xmlrpc.client
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from supervisor.xmlrpc import SupervisorTransport

from parley import deploy_templates

CONFIG_NAME = "supervisord.conf"
CONTROL_SOCKET = "supervisor.sock"
LOCK_NAME = "supervisor.lock"
# How many failed starts in a row (each sooner than start_seconds) before giving up.
START_RETRIES = 10


@dataclass(frozen=True)
class Program:
    """One supervised process."""

    name: str
    argv: Sequence[str]
    # Lower first to start, last to stop.
    priority: int = 100
    # Settings of its own, on top of the environment supervisord was started with.
    env: Mapping[str, str] = field(default_factory=dict)
    # Running this long counts as started; how long a stop may take before SIGKILL.
    start_seconds: int = 3
    stop_seconds: int = 15
    # How to tell that it answers (an http:// URL answering 200, or a Redis URL
    # answering PING); empty: started is running.
    probe: str = ""

    def command(self, supervisor_pid: int) -> str:
        """The command line as supervisord reads it (shell quoting, `%` doubled), the
        program tethered to the supervisor."""
        return _escaped(shlex.join(tethered(self.argv, supervisor_pid)))

    @property
    def environment(self) -> str:
        """The program's own settings in supervisord's KEY="value",... form."""
        return ",".join(f"{key}={_quoted(value)}" for key, value in self.env.items())


def _escaped(value: str) -> str:
    # supervisord expands %(name)s in its values; a newline would end the value.
    if "\n" in value or "\r" in value:
        raise ValueError(f"a supervised setting cannot hold a line break: {value!r}")
    return value.replace("%", "%%")


def _quoted(value: str) -> str:
    # supervisord splits `environment` with non-POSIX shlex and strips quotes from each
    # value's ends: a quoted value may hold commas and spaces, but no quote has a spelling.
    if '"' in value or "'" in value:
        raise ValueError(f"a supervised program's setting cannot hold a quote: {value!r}")
    return f'"{_escaped(value)}"'


def tethered(argv: Sequence[str], supervisor_pid: int) -> list[str]:
    """`argv` started through parley.tether, so that it dies with the supervisor."""
    return [sys.executable, "-m", "parley.tether", str(supervisor_pid), "--", *argv]


def reports_command(ready_url: str, run_dir: Path, programs: Sequence[Program]) -> list[str]:
    """The event listener that tells the person at the terminal what happens."""
    probes = [f"{program.name}={program.probe}" for program in programs]
    return [sys.executable, "-m", "parley.process_reports", ready_url, str(run_dir), *probes]


def write_config(
    run_dir: Path,
    programs: Sequence[Program],
    directory: Path,
    ready_url: str,
    supervisor_pid: int,
) -> Path:
    """Render deploy/supervisord.conf.j2 for these programs into the run folder, each
    tethered to the supervisor of process id `supervisor_pid`."""
    run_dir = run_dir.resolve()
    run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    reports = tethered(reports_command(ready_url, run_dir, programs), supervisor_pid)
    return deploy_templates.render(
        f"{CONFIG_NAME}.j2",
        run_dir / CONFIG_NAME,
        run_dir=_escaped(str(run_dir)),
        control_socket=_escaped(str(control_socket(run_dir))),
        directory=_escaped(str(directory.resolve())),
        programs=[(program, program.command(supervisor_pid)) for program in programs],
        reports=_escaped(shlex.join(reports)),
        start_retries=START_RETRIES,
    )


class AlreadyRunningError(Exception):
    """Another supervisor holds the run folder."""

    def __init__(self, run_dir: Path, holder: str) -> None:
        super().__init__(
            f"Parley is already running on {run_dir} (supervisord, process {holder}). "
            f"Stop it first: Ctrl-C where it runs, or `kill {holder}`."
        )


def hold_lock(run_dir: Path) -> int:
    """Take the run folder's lock, or raise AlreadyRunningError; the descriptor holding it,
    open across exec, so that supervisord holds it until it ends (however it ends)."""
    run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor = os.open(run_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(descriptor, 32).decode(errors="replace").strip() or "unknown"
        os.close(descriptor)
        raise AlreadyRunningError(run_dir, holder) from None
    os.ftruncate(descriptor, 0)
    os.write(descriptor, f"{os.getpid()}\n".encode())  # exec keeps the process id
    os.set_inheritable(descriptor, True)  # supervisord closes it in its children
    return descriptor


def control_socket(run_dir: Path) -> Path:
    """supervisord's XML-RPC socket for a run folder."""
    return run_dir.resolve() / CONTROL_SOCKET


def supervise(
    run_dir: Path, programs: Sequence[Program], directory: Path, ready_url: str
) -> NoReturn:
    """Become supervisord (in the foreground) running these programs from `directory`;
    the caller holds the run folder's lock (hold_lock)."""
    config = write_config(run_dir, programs, directory, ready_url, os.getpid())
    # Left by a supervisord that was killed; no other runs here (the caller holds the lock).
    control_socket(run_dir).unlink(missing_ok=True)
    supervisord = str(Path(sys.executable).with_name("supervisord"))
    sys.stdout.flush()
    # Replaced, not a parent: Ctrl-C and SIGTERM reach supervisord itself.
    argv = [supervisord, "--nodaemon", "--configuration", str(config)]
    os.execv(supervisord, argv)  # noqa: S606 -- a fixed program, no shell


def supervisor_client(run_dir: Path) -> Any:
    """An XML-RPC proxy of the supervisord running a run folder (supervisorctl's API);
    use it in a `with` block, which closes its connection."""
    transport = SupervisorTransport(None, None, f"unix://{control_socket(run_dir)}")
    # The host part is ignored: the transport talks to the unix socket.
    return xmlrpc.client.ServerProxy("http://supervisord", transport=transport)
