"""Authentication marks users online; every write stages an event that leaves after its
commit, and never after a rollback."""

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from parley.changes import events
from parley.extensions import db
from parley.models.base import utcnow
from parley.models.user import User
from tests.factories import basic, bearer, make_message, make_user
from tests.jobs import run_queued_jobs


@pytest.fixture
def published() -> Iterator[list[events.DomainEvent]]:
    """Every domain event published during the test."""
    seen: list[events.DomainEvent] = []

    events.subscribe(everything("test recorder", seen.append))
    yield seen
    events.unsubscribe("test recorder")


def everything(name: str, receive: Callable[[events.DomainEvent], None]) -> events.Subscriber:
    """A test's subscriber to every event type."""
    return events.Subscriber(name, receive, handles=events.EVENT_TYPES)


def test_token_auth_marks_the_user_online(client: FlaskClient) -> None:
    user = make_user("alice")
    headers = bearer(user)
    assert client.get(f"/api/users/{user.id}").json["online"] is False

    client.get("/api/users", headers=headers)

    shown = client.get(f"/api/users/{user.id}").json
    assert shown["online"] is True
    assert shown["last_seen_at"] >= shown["created_at"]


def test_basic_auth_marks_the_user_online(client: FlaskClient) -> None:
    user = make_user("bob")

    client.post("/api/tokens", headers=basic("bob"))

    assert client.get(f"/api/users/{user.id}").json["online"] is True


def test_seen_users_are_written_at_most_once_per_interval(app: Flask, client: FlaskClient) -> None:
    app.config["PRESENCE_PING_INTERVAL"] = 60
    user = make_user()
    headers = bearer(user)
    client.get("/api/users", headers=headers)
    seen_at = user.last_seen_at

    client.get("/api/users", headers=headers)
    db.session.refresh(user)
    assert user.last_seen_at == seen_at

    user.last_seen_at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    client.get("/api/users", headers=headers)
    db.session.refresh(user)
    assert user.last_seen_at > seen_at


def test_coming_online_publishes_a_presence_event(
    client: FlaskClient, published: list[events.DomainEvent]
) -> None:
    user = make_user()
    headers = bearer(user)
    published.clear()

    client.get("/api/users", headers=headers)

    assert published == [events.UserUpdated(user.id, presence_changed=True)]


def test_writes_publish_their_events(
    client: FlaskClient, published: list[events.DomainEvent]
) -> None:
    user = make_user()
    message = make_message(user, "hi")
    client.put(f"/api/messages/{message.id}", json={"source": "hey"}, headers=bearer(user))
    run_queued_jobs()

    channel_id = message.channel_id
    assert events.UserCreated(user.id) in published
    assert events.MemberJoined(channel_id, user.id, 1) in published
    assert events.MessagePosted(message.id, channel_id, 2) in published
    assert events.MessageEdited(message.id, channel_id, 3) in published


def test_events_are_published_after_the_commit(
    app: Flask, published: list[events.DomainEvent]
) -> None:
    """A subscriber on its own connection already sees the row the event names."""
    outside = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    visible: list[bool] = []

    def check(sender: events.DomainEvent) -> None:
        if isinstance(sender, events.MessagePosted):
            with outside.connect() as conn:
                row = conn.execute(
                    text("SELECT id FROM messages WHERE id = :id"), {"id": sender.message_id}
                ).first()
            visible.append(row is not None)

    events.subscribe(everything("test check", check))
    try:
        make_message(make_user(), "committed?")
    finally:
        events.unsubscribe("test check")
        outside.dispose()

    assert visible == [True]


def test_events_of_a_rolled_back_transaction_never_leave(
    app: Flask, published: list[events.DomainEvent]
) -> None:
    user = make_user()
    published.clear()
    events.publish_on_commit(events.UserUpdated(user.id))

    db.session.rollback()
    db.session.commit()

    assert published == []


def test_events_of_a_failed_commit_never_leave(
    app: Flask, published: list[events.DomainEvent]
) -> None:
    taken = make_user("taken")
    published.clear()
    events.publish_on_commit(events.UserUpdated(taken.id))
    db.session.add(User(nickname="taken", password_hash="x"))

    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.commit()

    assert published == []


def test_a_transaction_delivers_its_events_in_the_order_staged(
    app: Flask, published: list[events.DomainEvent]
) -> None:
    user = make_user()
    published.clear()
    staged: list[events.DomainEvent] = [
        events.UserUpdated(user.id),
        events.SessionRevoked(user.id, "f"),
    ]
    for event in staged:
        events.publish_on_commit(event)
    assert published == []

    db.session.commit()

    assert published == staged


def test_a_new_user_is_announced_once_with_the_default_channel_it_joined(
    app: Flask, published: list[events.DomainEvent]
) -> None:
    user = make_user()

    assert [type(event) for event in published] == [events.UserCreated, events.MemberJoined]
    assert published[0] == events.UserCreated(user.id)
