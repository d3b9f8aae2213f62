"""Start a program that dies with its supervisor:
`python -m parley.tether SUPERVISOR_PID -- PROGRAM [ARGS...]`.

supervisord starts again a program that dies, but nothing ends the programs when
supervisord itself dies (SIGKILL, the OOM killer): they would go on serving unsupervised,
and the next start would run a second set beside them, on the same files. Linux sends a
process a chosen signal when its parent dies (PR_SET_PDEATHSIG), and the setting
survives exec: this sets SIGTERM (each program's orderly stop, as supervisord's own),
checks that the supervisor did not die before it took, and becomes the program, under
the same process id. Elsewhere than on Linux it only becomes the program.
"""

import ctypes
import os
import signal
import sys
from collections.abc import Sequence

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
DEATH_SIGNAL = signal.SIGTERM


def tie_to_parent(parent: int) -> None:
    """Have the kernel send DEATH_SIGNAL to this process when `parent` dies; exit now if
    it already has (this process was then adopted by another)."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, DEATH_SIGNAL, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
    if os.getppid() != parent:
        sys.exit(f"parley.tether: the supervisor (process {parent}) is gone; not starting")


def main(argv: Sequence[str]) -> None:
    """Tie this process to the supervisor named first, then exec the program after `--`."""
    if len(argv) < 3 or argv[1] != "--" or not argv[0].isdigit():
        sys.exit("usage: python -m parley.tether SUPERVISOR_PID -- PROGRAM [ARGS...]")
    tie_to_parent(int(argv[0]))
    program = list(argv[2:])
    os.execvp(program[0], program)  # noqa: S606 -- the supervisor's configured program


if __name__ == "__main__":
    main(sys.argv[1:])
