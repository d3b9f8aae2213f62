"""Every receiver of domain events, wired in this one place (the app factory calls it).

Each subscriber says which event types it acts on and which it ignores; together they
are every type (tests/unit/test_subscribers.py), so a new event cannot be forgotten by,
say, the read caches' invalidation. They run in this order: caches are invalidated
before any client hears of the change and asks for it again.
"""

from flask import Flask

from parley import events


def init_app(app: Flask) -> None:
    """Subscribe the read caches, the v1 and v2 pushes and the link previews."""
    from parley import read_cache
    from parley.realtime import channel_events, emit
    from parley.tasks import previews

    for subscriber in (
        read_cache.SUBSCRIBER,
        emit.SUBSCRIBER,
        channel_events.SUBSCRIBER,
        previews.SUBSCRIBER,
    ):
        events.subscribe(subscriber)
    # Before the commit, with the channel locked: see events.withdraw.
    events.access_ending.connect(channel_events.on_access_ending)
