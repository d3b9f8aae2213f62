"""The outbox relay: every committed event once, a channel's in seq order, and nothing
read past a transaction that is still running (on SQLite and PostgreSQL)."""

from collections.abc import Iterator

import psycopg
import pytest
from flask import Flask
from sqlalchemy import insert

from parley.changes import events, outbox
from parley.changes.relay import Relay
from parley.extensions import db
from parley.models import OutboxEvent

CHANNEL = 987654  # no such channel: the wired pushes find nothing to push


@pytest.fixture
def delivered() -> Iterator[list[events.DomainEvent]]:
    """What relayed subscribers are handed, in order."""
    received: list[events.DomainEvent] = []
    events.subscribe(
        events.Subscriber("recorder", received.append, events.EVENT_TYPES, relayed=True)
    )
    yield received
    events.unsubscribe("recorder")


@pytest.fixture
def relay(app: Flask) -> Relay:
    """A relay of the test's own, started before anything the test writes."""
    started = Relay(app, background=False)
    started.prepare()
    db.session.commit()
    return started


def deleted(seq: int) -> events.MessageDeleted:
    return events.MessageDeleted(message_id=10_000 + seq, channel_id=CHANNEL, seq=seq)


def write(*staged: events.DomainEvent) -> None:
    """Commit outbox rows, in this order, as a service's transaction does."""
    outbox.record(staged)
    db.session.commit()


def seqs(received: list[events.DomainEvent]) -> list[int]:
    return [event.seq for event in received if isinstance(event, events.MessageDeleted)]


def test_a_seq_read_before_the_one_it_follows_waits_for_it(
    relay: Relay, delivered: list[events.DomainEvent]
) -> None:
    write(deleted(2))
    write(deleted(1))

    relay.drain()

    assert seqs(delivered) == [1, 2]


def test_each_position_is_delivered_once(relay: Relay, delivered: list[events.DomainEvent]) -> None:
    write(deleted(1), events.UserUpdated(5))
    relay.drain()
    relay.drain()
    write(deleted(2))
    relay.drain()

    assert delivered == [deleted(1), events.UserUpdated(5), deleted(2)]


def test_events_survive_the_round_trip_through_json(
    relay: Relay, delivered: list[events.DomainEvent]
) -> None:
    revoked = events.SessionRevoked(3, "family", ("sid-a", "sid-b"))
    write(revoked, events.JobFinished("job", 3), events.MemberJoined(CHANNEL, 3, 1))

    relay.drain()

    assert delivered == [revoked, events.JobFinished("job", 3), events.MemberJoined(CHANNEL, 3, 1)]


def test_a_seq_that_never_comes_is_passed_after_the_hold(
    app: Flask, relay: Relay, delivered: list[events.DomainEvent]
) -> None:
    write(deleted(5))
    write(deleted(7))  # 6 was never written

    assert relay.drain() is True  # 7 waits for 6
    assert seqs(delivered) == [5]

    app.config["OUTBOX_HOLD_SECONDS"] = 0
    assert relay.drain() is False
    assert seqs(delivered) == [5, 7]


def test_a_row_of_a_kind_this_code_does_not_know_is_skipped(
    relay: Relay, delivered: list[events.DomainEvent]
) -> None:
    db.session.execute(insert(OutboxEvent), [{"kind": "FromANewerRelease", "data": {}}])
    write(events.UserUpdated(5))

    relay.drain()

    assert delivered == [events.UserUpdated(5)]


def test_nothing_is_read_past_a_transaction_still_running(
    app: Flask, relay: Relay, delivered: list[events.DomainEvent]
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite commits one writer at a time: ids follow commit order")
    conninfo = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo) as slow:
        # Takes its transaction id first, commits last.
        slow.execute(
            "INSERT INTO outbox_events (kind, channel_id, seq, data, created_at)"
            " VALUES ('UserUpdated', NULL, NULL, '{\"user_id\": 1}', now())"
        )
        write(events.UserUpdated(2))

        assert relay.drain() is True  # the later row waits behind the running transaction
        assert delivered == []

        slow.commit()
    relay.drain()

    assert delivered == [events.UserUpdated(1), events.UserUpdated(2)]
