"""supervisord's configuration as Parley renders it, read back by supervisor's own parser."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from supervisor.datatypes import RestartUnconditionally, dict_of_key_value_pairs
from supervisor.options import ServerOptions

from parley.redis_urls import for_kombu, for_limits
from parley.supervision import AlreadyRunningError, Program, hold_lock, write_config
from tests.servers import wait_until

AWKWARD = "a spaced, 50% \\ value"


def options_of(config: Path) -> ServerOptions:
    options = ServerOptions()
    options.realize(["--configuration", str(config)])
    return options


def test_programs_read_back_as_written(tmp_path: Path) -> None:
    programs = [
        Program("redis", ["redis-server", "--save", ""], priority=10, start_seconds=1),
        Program("web", ["gunicorn", "--name", AWKWARD], priority=20, env={"SETTING": AWKWARD}),
    ]

    config = write_config(tmp_path / "run", programs, tmp_path, "http://127.0.0.1:5000", 4321)

    groups = {group.name: group for group in options_of(config).process_group_configs}
    redis, web = groups["redis"].process_configs[0], groups["web"].process_configs[0]
    tether = [sys.executable, "-m", "parley.tether", "4321", "--"]
    assert shlex.split(redis.command) == [*tether, "redis-server", "--save", ""]
    assert shlex.split(web.command) == [*tether, "gunicorn", "--name", AWKWARD]
    assert (redis.stdout_logfile, web.stdout_logfile) == (
        str(tmp_path / "run" / "redis.log"),
        str(tmp_path / "run" / "web.log"),
    )
    reports = groups["reports"].process_configs[0]
    assert shlex.split(reports.command)[5:] == [
        sys.executable, "-m", "parley.process_reports", "http://127.0.0.1:5000",
        str(tmp_path / "run"), "redis=", "web=",
    ]  # fmt: skip
    assert reports.priority < min(redis.priority, web.priority)  # starts first, stops last
    assert web.environment == {"SETTING": AWKWARD}
    assert (redis.priority, redis.startsecs, web.priority) == (10, 1, 20)
    assert web.autorestart is RestartUnconditionally
    assert (web.stopasgroup, web.killasgroup) == (True, True)


def test_an_environment_string_splits_into_its_settings() -> None:
    program = Program("web", ["true"], env={"A": "1,2", "B": "a b\\c=d"})

    assert dict_of_key_value_pairs(program.environment) == program.env


def test_a_setting_with_a_quote_is_refused_not_mangled() -> None:
    with pytest.raises(ValueError, match="quote"):
        _ = Program("web", ["true"], env={"A": 'say "hi"'}).environment


def test_a_unix_socket_url_is_spelled_for_each_client() -> None:
    url = "unix:///srv/parley/instance/redis.sock"

    assert for_kombu(url) == "redis+socket:///srv/parley/instance/redis.sock"
    assert for_limits(url) == "redis+unix:///srv/parley/instance/redis.sock"
    assert for_kombu("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert for_limits("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


# Takes a run folder's lock, says so, and becomes `sleep`, as `parley serve` becomes
# supervisord: the lock must outlive the exec.
HOLDER = """
import os, sys
from pathlib import Path
from parley.supervision import hold_lock
hold_lock(Path(sys.argv[1]))
print("held", flush=True)
os.execvp("sleep", ["sleep", "60"])
"""


def test_a_second_supervisor_of_a_run_folder_is_refused_until_the_first_ends(
    tmp_path: Path,
) -> None:
    run = tmp_path / "run"
    command = [sys.executable, "-c", HOLDER, str(run)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "held\n"
        wait_until(lambda: Path(f"/proc/{holder.pid}/comm").read_text().strip() == "sleep", 10)

        with pytest.raises(AlreadyRunningError, match=f"process {holder.pid}"):
            hold_lock(run)

        holder.kill()  # SIGKILL: the lock goes with the process, however it ends
    os.close(hold_lock(run))
