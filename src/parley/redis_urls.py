"""One Redis URL, spelled for each client: redis-py, kombu and limits each name a unix
socket their own way (`unix://`, `redis+socket://`, `redis+unix://`); TCP URLs are the
same for all three. And the one kind of redis-py client every part of Parley uses."""

from typing import Any

import redis

_UNIX = "unix://"
# redis-py's default pool fails a command past 100 connections ("Too many connections"),
# and 200 requests at once on one instance each take one for the rate limits. Parley's
# pools make a caller wait for a free connection instead, this long at most.
POOL_WAIT_SECONDS = 10
POOL_CONNECTIONS = 100


def client(url: str, **options: Any) -> redis.Redis:
    """A redis-py client whose callers wait (a greenlet yields) for a free connection
    when all POOL_CONNECTIONS are busy, rather than fail."""
    return redis.Redis(connection_pool=pool(url, **options))


def pool(url: str, **options: Any) -> redis.BlockingConnectionPool:
    """The waiting connection pool of `client`, for clients made elsewhere (limits)."""
    return redis.BlockingConnectionPool.from_url(
        url, max_connections=POOL_CONNECTIONS, timeout=POOL_WAIT_SECONDS, **options
    )


def for_kombu(url: str) -> str:
    """A Redis URL as Celery's broker (kombu's Redis transport) reads it."""
    return "redis+socket://" + url.removeprefix(_UNIX) if url.startswith(_UNIX) else url


def for_limits(url: str) -> str:
    """A Redis URL as Flask-Limiter's storage (the limits library) reads it."""
    return "redis+unix://" + url.removeprefix(_UNIX) if url.startswith(_UNIX) else url
