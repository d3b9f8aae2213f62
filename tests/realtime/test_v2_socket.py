"""The /v2 Socket.IO namespace in process (each database): auth, replay, live, acks."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from parley.extensions import db
from parley.models import Message, SocketSession, Token
from parley.models.base import utcnow
from parley.security import hash_token
from parley.tasks.tokens import forget_ended_sockets
from tests.api_v2.v2 import Caller
from tests.factories import bearer, json_of
from tests.payloads import PayloadChecker
from tests.v2_sockets import V2Socket

Connect = Callable[..., V2Socket]


@pytest.fixture
def connect(app: Flask, client: FlaskClient) -> Iterator[Connect]:
    """Open /v2 sockets: connect(caller, cursors) or connect(auth=...); closed afterwards."""
    opened: list[V2Socket] = []

    def open_socket(
        caller: Caller | None = None,
        cursors: dict[int, int] | None = None,
        *,
        auth: dict[str, Any] | None = None,
    ) -> V2Socket:
        if caller is not None:
            auth = {"token": caller.pair["access_token"], "cursors": cursors or {}}
        socket = V2Socket(app, client, auth)
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        socket.close()


@pytest.fixture
def checker(client: FlaskClient) -> PayloadChecker:
    return PayloadChecker(json_of(client.get("/api/v2/openapi.json")))


def check_all(socket: V2Socket, checker: PayloadChecker) -> None:
    for name, payload in socket.received():
        checker.check_event(name, payload)


def test_only_a_live_access_token_connects(connect: Connect, ada: Caller) -> None:
    v1_token = bearer(ada.user)["Authorization"].removeprefix("Bearer ")

    assert not connect(auth=None).connected
    assert not connect(auth={"token": "not-a-token"}).connected
    assert not connect(auth={"token": v1_token}).connected
    assert not connect(auth={"token": ada.pair["refresh_token"]}).connected
    assert not connect(auth={"token": ada.pair["access_token"], "cursors": {"x": 1}}).connected
    assert not connect(auth={"token": ada.pair["access_token"], "extra": 1}).connected
    assert connect(ada).connected
    assert db.session.scalar(select(func.count()).select_from(SocketSession)) == 1


def test_a_cursor_replays_exactly_the_missed_events_then_resumed(
    connect: Connect, ada: Caller, checker: PayloadChecker
) -> None:
    lobby = ada.channel("lobby")  # seq 1: ada joined
    posted = [ada.post(lobby, f"m{i}", f"c{i}").json for i in range(5)]  # seqs 2..6
    seen = posted[1]["seq"]

    socket = connect(ada, {lobby: seen})

    assert socket.resumed(lobby) == {"channel_id": lobby, "last_seq": posted[-1]["seq"]}
    replayed = socket.channel_events(lobby)
    assert [e["seq"] for e in replayed] == [p["seq"] for p in posted[2:]]
    assert [e["message"] for e in replayed] == posted[2:]
    assert {e["type"] for e in replayed} == {"message_posted"}
    check_all(socket, checker)


def test_live_events_follow_the_replay_and_reach_members_only(
    connect: Connect, ada: Caller, bob: Caller, checker: PayloadChecker
) -> None:
    secret = ada.channel("secret", "private")
    ours = connect(ada, {secret: 1})
    theirs = connect(bob, {secret: 0})
    ours.resumed(secret)

    message = ada.post(secret, "for members", "c1").json

    pushed = ours.wait_for(lambda e: e[0] == "message_posted")[1]
    assert pushed["message"] == message
    assert pushed["seq"] == message["seq"]
    unavailable = theirs.wait_for(lambda e: e[0] == "channel_unavailable")[1]
    assert unavailable == {"channel_id": secret, "code": 404, "message": "No such channel."}
    assert theirs.channel_events(secret) == []
    check_all(ours, checker)
    check_all(theirs, checker)


def test_post_message_acks_like_rest_and_never_posts_twice(
    connect: Connect, ada: Caller, checker: PayloadChecker
) -> None:
    lobby = ada.channel("lobby")
    socket = connect(ada)
    send = {"channel_id": lobby, "source": "*hi*", "client_msg_id": "s1"}

    first, again = socket.post(send), socket.post(send)

    assert first["status"] == 201
    assert again == {**first, "status": 200}
    assert "<em>hi</em>" in first["message"]["html"]
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1
    checker.check("SocketAck", first)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"source": "x", "client_msg_id": "a"}, "channel_id"),
        ({"channel_id": "1", "source": "x", "client_msg_id": "a"}, "channel_id"),
        ({"channel_id": 2**40, "source": "x", "client_msg_id": "a"}, "channel_id"),
        ({"channel_id": 1, "source": "", "client_msg_id": "a"}, "source"),
        ({"channel_id": 1, "source": "x"}, "client_msg_id"),
        ({"channel_id": 1, "source": "x", "client_msg_id": "a\x00"}, "client_msg_id"),
        ({"channel_id": 1, "source": "x", "client_msg_id": "a", "to": 2}, "to"),
        (["not", "an", "object"], "body"),
        (None, "body"),
    ],
)
def test_bad_post_message_data_is_refused_by_field(
    connect: Connect, ada: Caller, checker: PayloadChecker, data: object, field: str
) -> None:
    ack = connect(ada).post(data)

    assert ack["status"] == 400
    assert field in ack["error"]["errors"], ack
    checker.check("SocketAck", ack)


def test_posting_where_one_may_not(connect: Connect, ada: Caller, bob: Caller) -> None:
    secret = ada.channel("secret", "private")
    lobby = ada.channel("lobby")
    socket = connect(bob)

    hidden = socket.post({"channel_id": secret, "source": "x", "client_msg_id": "a"})
    not_joined = socket.post({"channel_id": lobby, "source": "x", "client_msg_id": "b"})
    missing = socket.post({"channel_id": 99999, "source": "x", "client_msg_id": "c"})

    assert hidden["status"] == missing["status"] == 404
    assert hidden["error"]["message"] == missing["error"]["message"].replace("99999", str(secret))
    assert not_joined["status"] == 403
    assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_an_invited_member_is_followed_from_the_join_on(
    connect: Connect, ada: Caller, bob: Caller
) -> None:
    secret = ada.channel("secret", "private")
    ada.post(secret, "before bob", "c0")
    socket = connect(bob)  # connected before being a member

    invited = ada.call("POST", f"/channels/{secret}/members", {"user_id": bob.user.id})
    assert invited.status_code == 204
    joined = socket.wait_for(lambda e: e[0] == "member_joined" and e[1]["channel_id"] == secret)
    after = ada.post(secret, "after bob", "c1").json

    assert joined[1]["user_id"] == bob.user.id
    assert socket.resumed(secret)["last_seq"] == joined[1]["seq"]
    socket.wait_for(lambda e: e[0] == "message_posted" and e[1]["message"] == after)
    assert [e["message"]["source"] for e in socket.channel_events(secret) if e["message"]] == [
        "after bob"
    ]


def test_a_removed_member_hears_of_it_then_nothing_more(
    connect: Connect, ada: Caller, bob: Caller
) -> None:
    secret = ada.channel("secret", "private")
    ada.call("POST", f"/channels/{secret}/members", {"user_id": bob.user.id})
    socket = connect(bob)

    removed = ada.call("DELETE", f"/channels/{secret}/members/{bob.user.id}")
    assert removed.status_code == 204
    left = socket.wait_for(lambda e: e[0] == "member_left")[1]
    ada.post(secret, "after bob left", "c1")
    ours = connect(ada, {secret: left["seq"]})
    ours.resumed(secret)

    assert left["user_id"] == bob.user.id
    assert [e["type"] for e in socket.channel_events(secret)] == ["member_left"]


def test_signing_out_disconnects_that_session_only(
    client: FlaskClient, connect: Connect, ada: Caller
) -> None:
    other_session = Caller(client, ada.user)
    leaving, staying = connect(ada), connect(other_session)

    assert ada.call("DELETE", "/tokens").status_code == 204

    assert not leaving.connected
    assert staying.connected
    assert staying.post({"channel_id": 1, "source": "x", "client_msg_id": "a"})["status"] != 401


def test_reusing_a_spent_refresh_token_disconnects_that_session(
    client: FlaskClient, connect: Connect, ada: Caller
) -> None:
    other_session = Caller(client, ada.user)
    spent = ada.pair["refresh_token"]
    refreshed = client.put("/api/v2/tokens", json={"refresh_token": spent})
    assert refreshed.status_code == 200
    ada.pair = json_of(refreshed)
    stolen, staying = connect(ada), connect(other_session)

    reused = client.put("/api/v2/tokens", json={"refresh_token": spent})

    assert reused.status_code == 401
    assert not stolen.connected
    assert staying.connected


def test_a_password_change_disconnects_every_session(
    client: FlaskClient, connect: Connect, ada: Caller
) -> None:
    sockets = [connect(ada), connect(Caller(client, ada.user))]

    changed = client.put(
        f"/api/users/{ada.user.id}", json={"password": "another horse"}, headers=bearer(ada.user)
    )

    assert changed.status_code == 204
    assert not any(socket.connected for socket in sockets)


def test_a_cursor_that_cannot_be_replayed_gets_resync(
    app: Flask, connect: Connect, ada: Caller, checker: PayloadChecker
) -> None:
    lobby = ada.channel("lobby")
    for i in range(4):
        ada.post(lobby, f"m{i}", f"c{i}")
    app.config["REPLAY_MAX_EVENTS"] = 2

    ahead = connect(ada, {lobby: 99})
    too_far = connect(ada, {lobby: 1})
    near = connect(ada, {lobby: 3})

    assert ahead.wait_for(lambda e: e[0] == "resync")[1]["last_seq"] == 5
    assert too_far.wait_for(lambda e: e[0] == "resync")[1]["last_seq"] == 5
    assert near.resumed(lobby) == {"channel_id": lobby, "last_seq": 5}
    assert ahead.channel_events(lobby) == too_far.channel_events(lobby) == []
    for socket in (ahead, too_far, near):
        check_all(socket, checker)


def test_beat_forgets_sockets_whose_sign_in_ended(
    client: FlaskClient, connect: Connect, ada: Caller
) -> None:
    """Such as the sockets of a killed instance, which nobody unregistered."""
    elsewhere = Caller(client, ada.user)  # a second sign-in
    ended, live = connect(ada), connect(elsewhere)
    assert ended.connected
    assert live.connected
    db.session.execute(
        update(Token)
        .where(Token.family == family_of(ada))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()

    assert forget_ended_sockets() == 1
    assert db.session.scalars(select(SocketSession.family)).all() == [family_of(elsewhere)]


def family_of(caller: Caller) -> str:
    family = db.session.scalar(
        select(Token.family).where(Token.token_hash == hash_token(caller.pair["access_token"]))
    )
    assert family is not None
    return family
