"""The embedded default's Redis: where it listens and how it keeps its data."""

from pathlib import Path

import pytest

from parley import embedded_redis


def test_it_listens_on_a_private_unix_socket_only_and_keeps_an_append_only_file(
    tmp_path: Path,
) -> None:
    argv = embedded_redis.server_command(tmp_path)
    settings = dict(zip(argv[1::2], argv[2::2], strict=True))

    assert Path(argv[0]).name == "redis-server"
    assert Path(argv[0]).is_file()
    assert settings["--port"] == "0"  # no TCP listener at all
    assert settings["--unixsocket"] == str(tmp_path.resolve() / "redis.sock")
    assert settings["--unixsocketperm"] == "600"
    assert (settings["--appendonly"], settings["--appendfsync"]) == ("yes", "everysec")
    assert (tmp_path / "redis").stat().st_mode & 0o777 == 0o700
    assert embedded_redis.url(tmp_path) == f"unix://{tmp_path.resolve()}/redis.sock"


def test_an_instance_path_too_long_for_a_socket_is_refused_by_name(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)

    with pytest.raises(ValueError, match="PARLEY_INSTANCE_PATH"):
        embedded_redis.url(deep)
