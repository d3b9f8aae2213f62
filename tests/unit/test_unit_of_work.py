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
from parley.services import channels, messages, races, users
from parley.services.errors import ConflictError
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


def duplicate_of(name: str, owner: User) -> Channel:
    """A public channel named `name`, flushed: refused by the unique index if taken."""
    channel = Channel(kind=ChannelKind.PUBLIC, name=name, created_by_id=owner.id)
    db.session.add(channel)
    db.session.flush()
    return channel


def test_losing_a_race_undoes_that_write_alone(delivered: list[events.DomainEvent]) -> None:
    """A write that a concurrent writer won (a unique index) runs in a savepoint: the
    loser gets the winner's row, and the unit keeps what it wrote before and after it,
    while the lost write's rows and staged events are gone."""
    owner = make_user()
    winner = channels.create_channel(owner.id, "taken", ChannelKind.PUBLIC)
    db.session.commit()
    delivered.clear()

    def write() -> Channel:
        events.publish_on_commit(events.UserUpdated(owner.id))  # undone with the write
        return duplicate_of("taken", owner)

    def find_winner() -> Channel | None:
        return db.session.scalar(select(Channel).where(Channel.name == "taken"))

    before = channels.create_channel(owner.id, "before", ChannelKind.PUBLIC)
    found, created = races.insert_or_find(write, find_winner)
    after = channels.create_channel(owner.id, "after", ChannelKind.PUBLIC)
    db.session.commit()

    assert (found.id, created) == (winner.id, False)
    assert db.session.get(Channel, before.id) is not None
    assert db.session.get(Channel, after.id) is not None
    assert [type(e) for e in delivered] == [events.MemberJoined, events.MemberJoined]


def test_a_won_race_rolls_back_with_its_unit() -> None:
    """The unit's only write so far is pending, not yet sent: on SQLite a SAVEPOINT
    outside a transaction would begin one, and releasing it would commit the unit so
    far."""
    owner = make_user()

    db.session.add(Channel(kind=ChannelKind.PUBLIC, name="pending", created_by_id=owner.id))
    _, created = races.insert_or_find(lambda: duplicate_of("fresh", owner), lambda: None)
    channels.create_channel(owner.id, "later", ChannelKind.PUBLIC)
    db.session.rollback()

    assert created
    names = ["pending", "fresh", "later"]
    assert list(db.session.scalars(select(Channel.name).where(Channel.name.in_(names)))) == []


def test_a_conflict_found_at_the_flush_keeps_the_unit_s_earlier_writes(
    delivered: list[events.DomainEvent],
) -> None:
    owner = make_user()
    channels.create_channel(owner.id, "first", ChannelKind.PUBLIC)
    db.session.commit()
    delivered.clear()

    before = channels.create_channel(owner.id, "before", ChannelKind.PUBLIC)
    with pytest.raises(ConflictError), races.conflict_if_taken("name", "taken"):
        duplicate_of("first", owner)
    db.session.commit()

    assert db.session.get(Channel, before.id) is not None
    assert [type(e) for e in delivered] == [events.MemberJoined]
