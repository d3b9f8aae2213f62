"""supervisord's configuration as Parley renders it, read back by supervisor's own parser."""

import shlex
from pathlib import Path

import pytest
from supervisor.datatypes import RestartUnconditionally, dict_of_key_value_pairs
from supervisor.options import ServerOptions

from parley.redis_urls import for_kombu, for_limits
from parley.supervision import Program, write_config

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

    config = write_config(tmp_path / "run", programs, tmp_path)

    groups = {group.name: group for group in options_of(config).process_group_configs}
    redis, web = groups["redis"].process_configs[0], groups["web"].process_configs[0]
    assert shlex.split(redis.command) == ["redis-server", "--save", ""]
    assert shlex.split(web.command) == ["gunicorn", "--name", AWKWARD]
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
