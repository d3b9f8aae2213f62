"""Every receiver of domain events, wired in this one place (the app factory calls it).

Each subscriber chooses the event types it acts on by the facts each type declares
(parley.changes.facts.Facts: its kind, its wire names, whether it bears a message or
changes a history page), so a new type reaches every consumer its facts concern. The
pushes are relayed from the outbox by every web process (parley.changes.relay); the
others run in the process that committed, right after its commit, so caches are
invalidated before the relay reads the change.
"""

from flask import Flask

from parley.changes import events


def init_app(app: Flask) -> None:
    """Subscribe the read caches, the v1 and v2 pushes and the link previews."""
    from parley import read_cache
    from parley.realtime import channel_events, emit, presence_pushes
    from parley.tasks import previews

    for subscriber in (
        read_cache.SUBSCRIBER,
        emit.SUBSCRIBER,
        channel_events.SUBSCRIBER,
        presence_pushes.SUBSCRIBER,
        previews.SUBSCRIBER,
    ):
        events.subscribe(subscriber)
