"""Request rate for GET /stats, counted across every web process."""

import atexit
import logging
import os
import threading
import time
from collections import Counter
from typing import Protocol

import redis
from flask import Flask, current_app, request

from parley import redis_urls

WINDOW_SECONDS = 15
FLUSH_SECONDS = 1.0  # how often a process adds its counts to Redis
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
    """One counter per second in Redis, shared by every instance, expiring by itself.

    Each process counts in memory and adds its counts to Redis about once a second:
    a round trip to Redis on every request cost a short request a tenth of its CPU.
    A process killed outright loses its last second of counts; a statistic can.
    """

    def __init__(self, client: redis.Redis, prefix: str) -> None:
        self._client = client
        self._prefix = f"{prefix}stats:requests:"
        self._pending: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._flusher_pid: int | None = None

    def count_request(self) -> None:
        """Count one request in the current second; Redis hears of it within a second."""
        if self._flusher_pid != os.getpid():  # a forked worker needs its own flusher
            self._flusher_pid = os.getpid()
            threading.Thread(target=self._flush_forever, name="parley-stats", daemon=True).start()
            atexit.register(self.flush)
        with self._lock:
            self._pending[int(time.time())] += 1

    def flush(self) -> None:
        """Add this process's counts to Redis now."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
        if not pending:
            return
        pipe = self._client.pipeline(transaction=False)
        for second, count in pending.items():
            pipe.incrby(f"{self._prefix}{second}", count)
            pipe.expire(f"{self._prefix}{second}", WINDOW_SECONDS * 2)
        try:
            pipe.execute()
        except redis.RedisError as error:
            # A statistic is not worth failing, or retrying, anything for.
            log.warning("%d requests not counted: %s", pending.total(), error)

    def requests_per_second(self) -> float:
        """Sum the last WINDOW_SECONDS counters, this process's latest counts included."""
        self.flush()
        now = int(time.time())
        keys = [f"{self._prefix}{second}" for second in range(now - WINDOW_SECONDS + 1, now + 1)]
        return sum(int(count) for count in self._client.mget(keys) if count) / WINDOW_SECONDS

    def _flush_forever(self) -> None:
        while True:
            time.sleep(FLUSH_SECONDS)
            self.flush()


class LocalRequestStats:
    """Counters in this process: correct only where one process serves (no Redis)."""

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
        client = redis_urls.client(app.config["REDIS_URL"])
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
