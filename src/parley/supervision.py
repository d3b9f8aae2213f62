"""The processes of `parley serve` and `parley cluster`, under supervisord.

A process that dies is started again (immediately if it had run a while, with a growing
back-off if it keeps failing to start) while the others go on serving; supervisord logs
each exit and start. Ctrl-C (or SIGTERM) stops them all, highest priority first.
The configuration is rendered from deploy/supervisord.conf.j2 into the run folder.
"""

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

    @property
    def command(self) -> str:
        """The command line as supervisord reads it (shell quoting, `%` doubled)."""
        return _escaped(shlex.join(self.argv))

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


def write_config(run_dir: Path, programs: Sequence[Program], directory: Path) -> Path:
    """Render deploy/supervisord.conf.j2 for these programs into the run folder."""
    run_dir = run_dir.resolve()
    run_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    return deploy_templates.render(
        f"{CONFIG_NAME}.j2",
        run_dir / CONFIG_NAME,
        run_dir=_escaped(str(run_dir)),
        control_socket=_escaped(str(control_socket(run_dir))),
        directory=_escaped(str(directory.resolve())),
        programs=programs,
        start_retries=START_RETRIES,
    )


def control_socket(run_dir: Path) -> Path:
    """supervisord's XML-RPC socket for a run folder."""
    return run_dir.resolve() / CONTROL_SOCKET


def supervise(run_dir: Path, programs: Sequence[Program], directory: Path) -> NoReturn:
    """Become supervisord (in the foreground) running these programs from `directory`."""
    config = write_config(run_dir, programs, directory)
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
