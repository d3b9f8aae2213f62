"""Subscribers of domain events: wired in one place, each classifying every event type,
and none able to break a committed write or the subscribers after it."""

from flask import Flask
from flask.testing import FlaskClient

from parley.changes import events
from tests.api_v2.v2 import Caller
from tests.v2_sockets import V2Socket

WIRED = [
    "read cache invalidation",
    "v1 pushes",
    "v2 pushes",
    "v2 presence pushes",
    "link previews",
]


def test_every_subscriber_is_wired_in_order(app: Flask) -> None:
    assert [s.name for s in events.subscribers()][: len(WIRED)] == WIRED


def test_a_failing_subscriber_breaks_neither_the_write_nor_the_others(
    app: Flask, client: FlaskClient, ada: Caller
) -> None:
    lobby = ada.channel("lobby")
    socket = V2Socket(app, client, {"token": ada.pair["access_token"], "cursors": {}})
    before = client.get("/healthz").json["subscriber_failures"]

    def fail(event: events.DomainEvent) -> None:
        raise RuntimeError("a subscriber's bug")

    # First in line: the subscribers after it must still run.
    wired = events.subscribers()
    for subscriber in wired:
        events.unsubscribe(subscriber.name)
    events.subscribe(events.Subscriber("failing", fail, handles=events.EVENT_TYPES))
    for subscriber in wired:
        events.subscribe(subscriber)
    try:
        posted = ada.post(lobby, "committed", "c1")
        socket.wait_for(lambda e: e[0] == "message_posted")
    finally:
        events.unsubscribe("failing")
        socket.close()

    assert posted.status_code == 201
    assert client.get("/healthz").json["subscriber_failures"] == before + 1
