"""Flack's Socket.IO events on the default namespace, in process (each database)."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient

from parley.extensions import db, socketio
from parley.models.base import utcnow
from parley.services import channels, messages, presence, tokens
from tests.factories import bearer, json_of, make_message, make_private_channel, make_user
from tests.jobs import answer, run_queued_jobs


@pytest.fixture
def sockets(app: Flask) -> Iterator[list[SocketIOTestClient]]:
    """Connected v1 socket clients; add more with sockets.append(...)."""
    connected = [socketio.test_client(app)]
    yield connected
    for client in connected:
        if client.is_connected():
            client.disconnect()


def pushes(client: SocketIOTestClient, kind: str | None = None) -> list[dict[str, Any]]:
    """The `updated_model` payloads received so far, optionally of one class."""
    return [
        event["args"][0]
        for event in client.get_received()
        if event["name"] == "updated_model" and (kind is None or event["args"][0]["class"] == kind)
    ]


def test_message_posted_through_rest_is_pushed_to_every_socket(
    app: Flask, client: FlaskClient, sockets: list[SocketIOTestClient]
) -> None:
    sockets.append(socketio.test_client(app))
    author = make_user("alice")
    headers = bearer(author)
    for socket in sockets:
        socket.get_received()

    accepted = client.post("/api/v1/messages", json={"source": "*hi*"}, headers=headers)
    posted = json_of(answer(client, accepted, headers))

    for socket in sockets:
        received = pushes(socket, "Message")
        assert received == [
            {
                "class": "Message",
                "model": {
                    **posted,
                    "_links": {
                        "self": f"/api/messages/{posted['id']}",
                        "user": f"/api/users/{author.id}",
                    },
                },
            }
        ]


def test_message_edit_is_pushed(client: FlaskClient, sockets: list[SocketIOTestClient]) -> None:
    author = make_user()
    message = make_message(author, "draft")
    sockets[0].get_received()

    client.put(f"/api/messages/{message.id}", json={"source": "final"}, headers=bearer(author))
    run_queued_jobs()

    assert [p["model"]["source"] for p in pushes(sockets[0], "Message")] == ["final"]


def test_sign_up_and_profile_changes_are_pushed(
    client: FlaskClient, sockets: list[SocketIOTestClient]
) -> None:
    created = client.post("/api/users", json={"nickname": "bob", "password": "pw"}).json
    user_pushes = pushes(sockets[0], "User")

    assert user_pushes == [{"class": "User", "model": created}]


def test_messages_of_other_channels_never_reach_v1_sockets(
    sockets: list[SocketIOTestClient],
) -> None:
    author = make_user()
    private = make_private_channel(author)
    sockets[0].get_received()

    messages.post_message(author.id, private.id, "hidden")
    db.session.commit()

    assert pushes(sockets[0], "Message") == []


def test_ping_user_marks_online_and_pushes_once(sockets: list[SocketIOTestClient]) -> None:
    user = make_user("carol")
    token = tokens.issue_api_token(user.id)
    sockets[0].get_received()

    first = sockets[0].emit("ping_user", token, callback=True)
    second = sockets[0].emit("ping_user", token, callback=True)

    assert first == second == []  # Flack acked ping_user with an empty list
    online = pushes(sockets[0], "User")
    assert [(p["model"]["nickname"], p["model"]["online"]) for p in online] == [("carol", True)]


@pytest.mark.parametrize("token", [None, "", "0" * 64, 42, ["x"]])
def test_ping_user_with_a_bad_token_is_refused_in_the_ack(
    sockets: list[SocketIOTestClient], token: object
) -> None:
    ack = sockets[0].emit("ping_user", token, callback=True)

    assert ack["code"] == 401
    assert ack["error"] == "authentication required"


def test_post_message_over_the_socket(sockets: list[SocketIOTestClient]) -> None:
    user = make_user()
    token = tokens.issue_api_token(user.id)
    sockets[0].get_received()

    ack = sockets[0].emit("post_message", {"source": "via *socket*"}, token, callback=True)

    assert ack["html"] == "via <em>socket</em>"
    assert ack["user_id"] == user.id
    assert [p["model"] for p in pushes(sockets[0], "Message")] == [ack]
    assert messages.get_message(channels.default_channel_id(), ack["id"]).source == "via *socket*"


@pytest.mark.parametrize(
    ("data", "field"),
    [({}, "source"), ({"source": ""}, "source"), ({"source": 5}, "source"), ("text", "body")],
)
def test_post_message_with_bad_data_names_the_field(
    sockets: list[SocketIOTestClient], data: object, field: str
) -> None:
    token = tokens.issue_api_token(make_user().id)

    ack = sockets[0].emit("post_message", data, token, callback=True)

    assert ack["code"] == 400
    assert field in ack["errors"]


def test_post_message_needs_a_token(sockets: list[SocketIOTestClient]) -> None:
    ack = sockets[0].emit("post_message", {"source": "hi"}, callback=True)

    assert ack["code"] == 401


def test_disconnect_after_ping_takes_the_user_offline(
    app: Flask, sockets: list[SocketIOTestClient]
) -> None:
    user = make_user("dave")
    leaving = socketio.test_client(app)
    leaving.emit("ping_user", tokens.issue_api_token(user.id), callback=True)
    sockets[0].get_received()

    leaving.disconnect()

    assert [p["model"]["online"] for p in pushes(sockets[0], "User")] == [False]
    db.session.refresh(user)
    assert user.online is False


def test_disconnect_without_ping_changes_nobody(sockets: list[SocketIOTestClient]) -> None:
    sockets.append(socketio.test_client(sockets[0].app))
    sockets[0].get_received()

    sockets[1].disconnect()

    assert pushes(sockets[0]) == []


def test_sweep_takes_silent_users_offline(sockets: list[SocketIOTestClient]) -> None:
    silent, active = make_user("silent"), make_user("active")
    for user in (silent, active):
        presence.mark_seen(user)
    silent.last_seen_at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    sockets[0].get_received()

    swept = presence.sweep_silent(timedelta(seconds=60))
    db.session.commit()

    assert swept == [silent.id]
    assert [(p["model"]["nickname"], p["model"]["online"]) for p in pushes(sockets[0])] == [
        ("silent", False)
    ]
    assert presence.sweep_silent(timedelta(seconds=60)) == []
