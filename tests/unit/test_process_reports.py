"""What `parley serve` shows the person who ran it: parley.process_reports' lines for
supervisord's process state events."""

import io
from pathlib import Path

from parley.process_reports import Reporter, parse_probes
from tests.servers import wait_until

URL = "http://127.0.0.1:5000"


def reporter_of(tmp_path: Path, answering: set[str]) -> tuple[Reporter, io.StringIO]:
    out = io.StringIO()
    probes = {"redis": "unix:///r.sock", "web": f"{URL}/healthz", "worker": ""}
    return Reporter(URL, tmp_path, probes, out, lambda probe: probe in answering), out


def test_parley_is_ready_once_every_program_runs_and_the_probed_ones_answer(
    tmp_path: Path,
) -> None:
    answering: set[str] = {"unix:///r.sock"}
    reporter, out = reporter_of(tmp_path, answering)

    for name, pid in (("redis", "11"), ("web", "12"), ("worker", "13")):
        reporter.handle("PROCESS_STATE_RUNNING", name, pid, "1")
    wait_until(lambda: "worker" in out.getvalue() and "redis" in out.getvalue())
    assert "ready" not in out.getvalue()  # web runs, but does not answer yet

    answering.add(f"{URL}/healthz")
    wait_until(lambda: "ready" in out.getvalue())
    *started, web, ready = out.getvalue().splitlines()
    # Probes answer in threads of their own: redis and worker in either order.
    assert sorted(started) == [
        "  redis     answering (process 11)",
        "  worker    running (process 13)",
    ]
    assert web == "  web       answering (process 12)"
    assert ready == f"Parley is ready: open {URL}  (Ctrl-C stops it; logs in {tmp_path})"


def test_an_unexpected_exit_shows_the_end_of_the_program_s_log(tmp_path: Path) -> None:
    reporter, out = reporter_of(tmp_path, set())
    (tmp_path / "worker.log").write_text("".join(f"line {n}\n" for n in range(1, 9)))

    reporter.handle("PROCESS_STATE_EXITED", "worker", "13", "0")
    reporter.handle("PROCESS_STATE_RUNNING", "worker", "14", "1")
    reporter.handle("PROCESS_STATE_RUNNING", "worker", "15", "1")

    assert out.getvalue().splitlines() == [
        f"  worker    exited unexpectedly; it is started again. {tmp_path}/worker.log ends:",
        *(f"    line {n}" for n in range(4, 9)),
        "  worker    running (process 14)",
        "  worker    running again (process 15)",
    ]


def test_an_expected_exit_and_the_listener_s_own_events_say_nothing(tmp_path: Path) -> None:
    reporter, out = reporter_of(tmp_path, set())

    reporter.handle("PROCESS_STATE_EXITED", "worker", "13", "1")
    reporter.handle("PROCESS_STATE_RUNNING", "reports", "10", "1")
    reporter.handle("PROCESS_STATE_STOPPED", "worker", "13", "1")

    assert out.getvalue() == ""


def test_a_program_that_cannot_start_is_reported_with_its_log(tmp_path: Path) -> None:
    reporter, out = reporter_of(tmp_path, set())
    (tmp_path / "web.log").write_text("[ERROR] Connection in use: ('127.0.0.1', 5000)\n")

    reporter.handle("PROCESS_STATE_BACKOFF", "web", "0", "1")
    reporter.handle("PROCESS_STATE_FATAL", "web", "0", "1")

    assert out.getvalue().splitlines() == [
        f"  web       failed to start; trying again. See {tmp_path}/web.log.",
        f"  web       could not be started: given up. {tmp_path}/web.log ends:",
        "    [ERROR] Connection in use: ('127.0.0.1', 5000)",
    ]


def test_probes_are_read_from_name_equals_probe_arguments() -> None:
    assert parse_probes(["web=http://h:1/healthz?a=b", "beat="]) == {
        "web": "http://h:1/healthz?a=b",
        "beat": "",
    }
