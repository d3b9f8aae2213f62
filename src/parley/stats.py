"""Request rate for GET /stats, counted across every web process."""

import logging
import threading
import time
from collections import Counter
from typing import Protocol

import redis
from flask import Flask, current_app, request

WINDOW_SECONDS = 15
# Not counted: the load balancer's health checks are not traffic.
UNCOUNTED_ENDPOINTS = frozenset({"health.healthz"})
_STATS_KEY = "parley.request_stats"
log = logging.getLogger(__name__)


class RequestStats(Protocol):
    """Where requests are counted, per second."""

    def count_request(self) -> None:
        """Count one request in the current second."""

    def requests_per_second(self) -> float:
        """Average rate over the last WINDOW_SECONDS seconds."""


class RedisRequestStats:
    """One counter per second in Redis, shared by every instance, expiring by itself."""

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = f"{prefix}stats:requests:"

    def count_request(self) -> None:
        """Increment this second's counter; it expires once out of the window."""
        key = f"{self._prefix}{int(time.time())}"
        pipe = self._client.pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, WINDOW_SECONDS * 2)
        try:
            pipe.execute()
        except redis.RedisError as error:
            # A statistic is not worth failing the request it counts.
            log.warning("request not counted: %s", error)

    def requests_per_second(self) -> float:
        """Sum the last WINDOW_SECONDS counters."""
        now = int(time.time())
        keys = [f"{self._prefix}{second}" for second in range(now - WINDOW_SECONDS + 1, now + 1)]
        return sum(int(count) for count in self._client.mget(keys) if count) / WINDOW_SECONDS


class LocalRequestStats:
    """Counters in this process: correct only for the embedded default's single process."""

    def __init__(self) -> None:
        self._counts: Counter[int] = Counter()
        self._lock = threading.Lock()

    def count_request(self) -> None:
        """Increment this second's counter and forget seconds out of the window."""
        now = int(time.time())
        with self._lock:
            self._counts[now] += 1
            for second in [s for s in self._counts if s <= now - WINDOW_SECONDS]:
                del self._counts[second]

    def requests_per_second(self) -> float:
        """Sum the counters inside the window."""
        now = int(time.time())
        with self._lock:
            total = sum(c for s, c in self._counts.items() if s > now - WINDOW_SECONDS)
        return total / WINDOW_SECONDS


def init_app(app: Flask) -> None:
    """Count every request, in Redis when REDIS_URL is set."""
    stats: RequestStats
    if app.config["REDIS_URL"]:
        client = redis.Redis.from_url(app.config["REDIS_URL"])
        stats = RedisRequestStats(client, app.config["REDIS_KEY_PREFIX"])
    else:
        stats = LocalRequestStats()
    app.extensions[_STATS_KEY] = stats

    @app.before_request
    def count_request() -> None:
        if request.endpoint not in UNCOUNTED_ENDPOINTS:
            stats.count_request()


def request_stats() -> RequestStats:
    """The current app's request counter."""
    stats: RequestStats = current_app.extensions[_STATS_KEY]
    return stats
