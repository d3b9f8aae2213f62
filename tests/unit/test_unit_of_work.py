"""One unit of work per request, socket event and task: services compose into one
transaction, the boundary commits once, and a failure keeps nothing, events included."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from parley.changes import events, unit_of_work
from parley.changes.unit_of_work import socket_unit
from parley.extensions import db
from parley.models import Channel, ChannelKind, Message, User
from parley.services import channels, messages, users
from tests.factories import make_user

pytestmark = pytest.mark.usefixtures("app")  # each test on SQLite and on PostgreSQL


@pytest.fixture
def delivered() -> Iterator[list[events.DomainEvent]]:
    """What the subscribers in the committing process are handed."""
    received: list[events.DomainEvent] = []
    events.subscribe(events.Subscriber("recorder", received.append, events.EVENT_TYPES))
    yield received
    events.unsubscribe("recorder")


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_two_services_commit_together_with_their_events_in_order(
    delivered: list[events.DomainEvent],
) -> None:
    owner = make_user()
    delivered.clear()

    room = channels.create_channel(owner.id, "together", ChannelKind.PUBLIC)
    posted = messages.post_message(owner.id, room.id, "first words")
    assert delivered == []  # nothing leaves before the commit
    db.session.commit()

    assert [type(e) for e in delivered] == [events.MemberJoined, events.MessagePosted]
    assert db.session.get(Message, posted.id) is not None


def test_a_rolled_back_unit_keeps_nothing_of_either_service(
    delivered: list[events.DomainEvent],
) -> None:
    owner = make_user()
    delivered.clear()

    room = channels.create_channel(owner.id, "never", ChannelKind.PUBLIC)
    messages.post_message(owner.id, room.id, "never said")  # after a write: in its transaction
    db.session.rollback()

    assert delivered == []
    assert count(Message) == 0
    assert db.session.scalar(select(Channel).where(Channel.name == "never")) is None


def test_after_commit_callbacks_run_after_the_commit_only() -> None:
    ran: list[str] = []
    unit_of_work.after_commit(lambda: ran.append("dropped"))
    db.session.rollback()
    unit_of_work.after_commit(lambda: ran.append("kept"))
    assert ran == []

    db.session.commit()

    assert ran == ["kept"]


def test_the_unit_knows_when_it_has_written() -> None:
    user = make_user()
    assert not unit_of_work.has_written()

    db.session.execute(update(User).where(User.id == user.id).values(online=True))

    assert unit_of_work.has_written()
    db.session.commit()
    assert not unit_of_work.has_written()


def test_a_socket_event_commits_only_when_its_ack_carries_no_error() -> None:
    @socket_unit
    def handler(nickname: str, status: int) -> dict[str, int]:
        users.create_user(nickname, "pw")
        return {"status": status}

    handler("kept", 201)
    handler("dropped", 400)

    assert users.find_by_nickname("kept") is not None
    assert users.find_by_nickname("dropped") is None


def test_a_socket_event_that_raises_keeps_nothing() -> None:
    @socket_unit
    def handler() -> None:
        users.create_user("halfway", "pw")
        raise RuntimeError("a handler's bug")

    with pytest.raises(RuntimeError):
        handler()

    assert users.find_by_nickname("halfway") is None


@pytest.fixture
def routes(app: Flask) -> Flask:
    """Two views that write a user, one answering 201 and one 409."""

    @app.post("/_test/<nickname>/<int:status>")
    def write_then_answer(nickname: str, status: int) -> tuple[dict[str, str], int]:
        users.create_user(nickname, "pw")
        return {"nickname": nickname}, status

    return app


def test_a_request_commits_its_unit_only_below_400(routes: Flask, client: FlaskClient) -> None:
    assert client.post("/_test/created/201").status_code == 201
    assert client.post("/_test/refused/409").status_code == 409
    db.session.rollback()  # read afresh

    assert users.find_by_nickname("created") is not None
    assert users.find_by_nickname("refused") is None
