"""Per-process caches of the hottest reads, kept right by invalidations over Redis.

Every authenticated request looks its token up, and a page of history costs the
database more than anything else Parley serves. Both change rarely: a token when it
is revoked, a page of older history when one of its messages is edited or deleted.
Each web process keeps them in memory. When something they depend on changes, the
process that changed it says so on one Redis pub/sub channel, after the commit, and
every process drops what it holds of it (its own process at once, the others within
the pub/sub latency, milliseconds).

An invalidation is a new generation of a scope: a user's tokens, a channel's readers,
a channel's pages. An entry remembers the generation it was read under, and a later
generation makes it a miss. A reader takes the generation before it reads the
database, so a change that lands during its read never leaves a stale entry behind.

The caches are used only while this process is subscribed. A process that is not
(Redis down, the connection lost) could miss an invalidation, so it reads the
database, and it empties its caches when it subscribes again. Entries also expire
(TTL), which bounds what a lost invalidation could cost. Without REDIS_URL (tests,
`flask run`; `parley serve` always has one) they are off.
"""

import logging
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Hashable
from typing import Any

import redis
from cachetools import TTLCache
from flask import Flask, current_app

from parley import redis_urls
from parley.changes import events
from parley.changes.facts import Kind

log = logging.getLogger(__name__)
_EXTENSION_KEY = "parley.read_cache"
RESUBSCRIBE_SECONDS = 1.0  # after losing the subscription, before trying again
ENTRY_OVERHEAD_BYTES = 300  # the key, the tuple, the cache's own bookkeeping
HEALTH_CHECK_SECONDS = 5  # a silent subscription is pinged, so a dead one is noticed

# Scopes of invalidation.
USER_TOKENS = "tokens"  # a user's sessions or presence changed
CHANNEL_READERS = "readers"  # a channel's membership changed
CHANNEL_PAGES = "pages"  # a message of a channel changed

Stamp = tuple[int, int]  # what ReadCache.put checks that nothing moved on since


class ReadCache:
    """Expiring entries under generations, and the subscription that moves them on."""

    def __init__(self, redis_url: str, channel: str, ttl_seconds: float, size_bytes: int) -> None:
        self._redis = redis_urls.client(redis_url, health_check_interval=HEALTH_CHECK_SECONDS)
        self._channel = channel
        # key -> (scope, scope id, generation, value)
        self._entries: TTLCache[Hashable, tuple[str, int, int, Any]] = TTLCache(
            size_bytes, ttl_seconds, getsizeof=_size_of
        )
        self._generations: Counter[tuple[str, int]] = Counter()
        self._advances: Counter[str] = Counter()  # per scope, never reset
        self._epoch = 0  # one more each time the caches are emptied
        self._lock = threading.Lock()
        self._subscribed = False
        self._listener_pid: int | None = None

    def stamp(self, scope: str) -> Stamp:
        """Take this before reading what is to be cached under `scope`, for put()."""
        self._ensure_listening()
        return self._epoch, self._advances[scope]

    def get(self, key: Hashable) -> Any | None:
        """The value kept under `key`, unless its scope has moved on or this process
        is not subscribed."""
        self._ensure_listening()
        if not self._subscribed:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            scope, scope_id, generation, value = entry
            return value if generation == self._generations[scope, scope_id] else None

    def put(self, key: Hashable, value: Any, scope: str, scope_id: int, stamp: Stamp) -> None:
        """Keep `value`, read after `stamp` was taken, until (scope, scope_id) moves on.

        Nothing is kept if any invalidation of the scope arrived since the stamp: it
        may be one of what was read. Reads are short, so that costs a miss at most.
        """
        with self._lock:
            if self._subscribed and stamp == (self._epoch, self._advances[scope]):
                self._entries[key] = (scope, scope_id, self._generations[scope, scope_id], value)

    def invalidate(self, scope: str, scope_id: int) -> None:
        """Drop the scope's entries here at once, and in every process through Redis.

        Call after the commit of the change: a process that read before it might
        otherwise cache what was true just before.
        """
        self._advance(scope, scope_id)
        try:
            self._redis.publish(self._channel, f"{scope}:{scope_id}")
        except redis.RedisError as error:
            # The other processes keep what they hold until it expires; when Redis is
            # down for them too, their subscriptions end and they stop using it.
            log.warning("invalidation of %s %s not published: %s", scope, scope_id, error)

    def _advance(self, scope: str, scope_id: int) -> None:
        with self._lock:
            self._generations[scope, scope_id] += 1
            self._advances[scope] += 1

    def _clear(self, subscribed: bool) -> None:
        with self._lock:
            self._entries.clear()
            self._generations.clear()
            self._epoch += 1
            self._subscribed = subscribed

    def _ensure_listening(self) -> None:
        """Start this process's subscriber once: after a fork, the child needs its own."""
        if self._listener_pid == os.getpid():
            return
        self._listener_pid = os.getpid()
        self._clear(subscribed=False)
        threading.Thread(target=self._listen, name="parley-read-cache", daemon=True).start()

    def _listen(self) -> None:
        """Apply invalidations for as long as the process lives, resubscribing when cut off."""
        while True:
            try:
                self._follow()
            except (redis.RedisError, OSError) as error:
                log.warning("read cache off, subscription lost: %s", error)
            self._clear(subscribed=False)
            time.sleep(RESUBSCRIBE_SECONDS)

    def _follow(self) -> None:
        pubsub = self._redis.pubsub()  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(self._channel)
            while True:
                message = pubsub.get_message(timeout=HEALTH_CHECK_SECONDS)
                if message is None:
                    continue
                if message["type"] == "subscribe":
                    # Whatever changed while unsubscribed is unknown: start empty.
                    self._clear(subscribed=True)
                elif message["type"] == "message":
                    self._apply(message["data"].decode())
        finally:
            pubsub.close()

    def _apply(self, invalidation: str) -> None:
        # A process's own come back too: one more generation only costs a miss.
        scope, scope_id = invalidation.split(":")
        self._advance(scope, int(scope_id))


def _size_of(entry: tuple[str, int, int, Any]) -> int:
    """About the bytes an entry holds: the encoded messages of a page, mostly."""
    value = entry[3]
    parts = value if isinstance(value, tuple) else (value,)
    return ENTRY_OVERHEAD_BYTES + sum(sys.getsizeof(part) for part in parts)


def init_app(app: Flask) -> None:
    """Turn the caches on when there is Redis to carry invalidations."""
    if app.config["REDIS_URL"] and app.config["READ_CACHE_SECONDS"] > 0:
        app.extensions[_EXTENSION_KEY] = ReadCache(
            app.config["REDIS_URL"],
            f"{app.config['REDIS_KEY_PREFIX']}read-cache",
            app.config["READ_CACHE_SECONDS"],
            app.config["READ_CACHE_MEGABYTES"] * 1024 * 1024,
        )


def invalidate_on(event: events.DomainEvent) -> None:
    """Drop what a committed change makes stale, in every process.

    Every change a cache depends on is a domain event: sign-outs and password changes
    end sessions, presence decides whether a request must write last_seen_at,
    membership decides who reads a private channel, and edits (link previews found
    are edits), deletions, pins and reactions change pages. A new message changes no page that is
    cached: only pages that end before the channel's last seq are.
    """
    facts = event.facts
    if facts.kind in (Kind.USER, Kind.SESSION):
        invalidate(USER_TOKENS, events.id_in(event, "user_id"))
    elif facts.kind is Kind.MEMBERSHIP:
        invalidate(CHANNEL_READERS, events.id_in(event, "channel_id"))
    elif facts.changes_history:
        invalidate(CHANNEL_PAGES, events.id_in(event, "channel_id"))


# What a cache depends on, by the events' facts: a user's tokens (sessions end, and a
# profile or presence change decides whether a request writes last_seen_at), a channel's
# readers (its members), a channel's history pages (a change of a message they hold; a
# new message changes none: no cached page ends past the last seq). What creates its
# subject (a sign-up) touches nothing cached.
SUBSCRIBER = events.Subscriber(
    "read cache invalidation",
    invalidate_on,
    handles=events.types_where(
        lambda facts: (
            not facts.creates
            and (facts.changes_history or facts.kind in (Kind.USER, Kind.SESSION, Kind.MEMBERSHIP))
        )
    ),
)


def read_cache() -> ReadCache | None:
    """The current app's caches, or None when they are off."""
    cache: ReadCache | None = current_app.extensions.get(_EXTENSION_KEY)
    return cache


def invalidate(scope: str, scope_id: int) -> None:
    """Drop what every process caches of the scope (a no-op with the caches off)."""
    cache = read_cache()
    if cache is not None:
        cache.invalidate(scope, scope_id)
