"""The host's hashing slots: at most N hashes at once among the processes of a host.

Real flock(2) on real files, held by real threads and processes: the slots are the
lock, so nothing here is replaced.
"""

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from parley.security import HashingSlots

HOLD = 0.3  # seconds each holder keeps its slot

# A process that holds a slot of FOLDER for HOLD seconds and prints when it held it.
HOLDER = """
import sys, time
from pathlib import Path
from parley.security import HashingSlots
slots = HashingSlots(Path(sys.argv[1]), int(sys.argv[2]))
with slots.held():
    start = time.monotonic()
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
    print(start, time.monotonic(), flush=True)
"""


def hold_in_thread(slots: HashingSlots, spans: list[tuple[float, float]]) -> None:
    with slots.held():
        start = time.monotonic()
        time.sleep(HOLD)
        spans.append((start, time.monotonic()))


def overlapping(spans: list[tuple[float, float]]) -> int:
    """The most spans that cover one instant."""
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    most = current = 0
    for _, change in edges:
        current += change
        most = max(most, current)
    return most


def start_holder(folder: Path, count: int, hold: float) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), str(count), str(hold)],
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(("count", "threads"), [(1, 3), (2, 4)])
def test_threads_hash_at_most_as_many_at_once_as_there_are_slots(
    tmp_path: Path, count: int, threads: int
) -> None:
    slots = HashingSlots(tmp_path, count)
    spans: list[tuple[float, float]] = []
    holders = [threading.Thread(target=hold_in_thread, args=(slots, spans)) for _ in range(threads)]
    for holder in holders:
        holder.start()
    for holder in holders:
        holder.join(timeout=10)

    assert len(spans) == threads
    assert overlapping(spans) == count


def test_processes_sharing_an_instance_folder_share_its_slots(tmp_path: Path) -> None:
    holders = [start_holder(tmp_path, 1, HOLD) for _ in range(3)]
    spans = []
    for holder in holders:
        output, _ = holder.communicate(timeout=30)
        assert holder.returncode == 0
        start, end = output.splitlines()[-1].split()
        spans.append((float(start), float(end)))

    assert overlapping(spans) == 1


def test_a_slot_held_by_a_process_that_dies_is_free_again(tmp_path: Path) -> None:
    holder = start_holder(tmp_path, 1, 60)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    holder.stdout.close()
    waited: list[tuple[float, float]] = []

    thread = threading.Thread(target=hold_in_thread, args=(HashingSlots(tmp_path, 1), waited))
    thread.start()
    thread.join(timeout=10)

    assert len(waited) == 1


def test_slot_files_are_the_servers_alone_in_a_folder_made_if_missing(tmp_path: Path) -> None:
    slots = HashingSlots(tmp_path / "instance", 2)
    with slots.held():
        pass

    assert stat.S_IMODE((tmp_path / "instance").stat().st_mode) == 0o700
    for path in slots.paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
