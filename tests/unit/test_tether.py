"""parley.tether: a supervised program dies with its supervisor, whatever kills it."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.servers import running, wait_until

# A supervisor in miniature: starts a tethered `sleep`, says its pid, and waits.
PARENT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-m", "parley.tether", str(os.getpid()), "--",
                          "sleep", "60"])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_a_tethered_program_dies_when_its_supervisor_is_killed() -> None:
    with subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE) as parent:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        wait_until(lambda: Path(f"/proc/{child}/comm").read_text().strip() == "sleep", 10)

        os.kill(parent.pid, signal.SIGKILL)

    wait_until(lambda: not running(child), 5)


def test_the_program_keeps_the_tether_s_process_id() -> None:
    command = [sys.executable, "-m", "parley.tether", str(os.getpid()), "--", "sh", "-c", "echo $$"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as tethered:
        said, _ = tethered.communicate(timeout=30)

    assert (tethered.returncode, said.strip()) == (0, str(tethered.pid))


def test_a_program_whose_supervisor_is_already_gone_does_not_start() -> None:
    not_the_parent = os.getpid() + 1_000_000
    command = [sys.executable, "-m", "parley.tether", str(not_the_parent), "--", "true"]

    tethered = subprocess.run(command, capture_output=True, text=True)

    assert tethered.returncode != 0
    assert "is gone; not starting" in tethered.stderr


def test_a_malformed_command_line_says_how_to_call_it() -> None:
    tethered = subprocess.run(
        [sys.executable, "-m", "parley.tether", "sleep", "1"], capture_output=True, text=True
    )

    assert tethered.returncode != 0
    assert "usage: python -m parley.tether SUPERVISOR_PID -- PROGRAM" in tethered.stderr
