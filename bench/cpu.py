"""Where the machine's CPU went during a phase, by kind of process, read from /proc.

Everything in a benchmark here shares the same cores, so a throughput figure alone
cannot say which part of the stack costs what: this can.
"""

import os
import resource
import statistics
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# First match wins: a Celery worker's command line also names python, for instance.
KINDS = [
    ("celery", "celery"),
    ("web workers", "gunicorn"),
    ("haproxy", "haproxy"),
    ("postgres", "postgres"),
    ("redis", "redis-server"),
    ("node clients", "node"),
    ("bench", "bench/"),
]


def kind_of(command_line: str) -> str:
    """The kind of process a command line belongs to, or "other"."""
    return next((kind for kind, marker in KINDS if marker in command_line), "other")


Reading = dict[int, tuple[str, float]]


def read_cpu() -> Reading:
    """Every live process: its kind and the CPU seconds (user + system, all threads) so far."""
    reading: Reading = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command_line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # it ended meanwhile
            continue
        # Fields after the command name, which is in parentheses and may hold spaces.
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = int(fields[11]) + int(fields[12])  # utime, stime
        reading[int(entry.name)] = (kind_of(command_line or stat), ticks / TICKS_PER_SECOND)
    return reading


def cpu_ms_per_unit(
    before: Reading, after: Reading, units: int, ended: dict[str, float] | None = None
) -> dict[str, float]:
    """CPU milliseconds per unit of work between two readings, by kind, plus "total".

    A process that started between the readings counts whole. One that ended is missed
    unless its CPU seconds come in `ended`, by kind (see children_cpu_seconds).
    """
    spent: dict[str, float] = dict(ended or {})
    for pid, (kind, seconds) in after.items():
        earlier = before.get(pid)
        used = seconds - earlier[1] if earlier and earlier[0] == kind else seconds
        spent[kind] = spent.get(kind, 0.0) + used
    spent["total"] = sum(spent.values())
    return {kind: round(1000 * seconds / max(units, 1), 3) for kind, seconds in spent.items()}


def children_cpu_seconds() -> float:
    """CPU seconds used so far by this process's children that ended and were waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def median_by_kind(runs: list[dict[str, float]]) -> dict[str, float]:
    """Several runs' CPU figures, kind by kind: the median of each (0 where a run lacks it)."""
    kinds = dict.fromkeys(kind for run in runs for kind in run)
    return {kind: statistics.median(run.get(kind, 0.0) for run in runs) for kind in kinds}
