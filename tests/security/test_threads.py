"""Attack: threads as a hostile client would try them: replying under a message of a
channel one cannot see, following or reading threads of other people's channels, odd
roots, a thread one left, thread events sent by a client, and a flood of follows."""

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.security.test_rate_limits import assert_refused
from tests.v2_sockets import V2Socket, open_as


def reply(caller: Caller, channel_id: int, root: object, key: str = "k") -> TestResponse:
    return caller.call(
        "POST",
        f"/channels/{channel_id}/messages",
        {"source": "re", "client_msg_id": key, "thread_root_id": root},
    )


def test_a_hidden_root_is_as_missing_as_one_that_never_was(client: FlaskClient) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    secret = ada.channel("secret", "private")
    lobby = ada.channel("lobby")
    eve.call("PUT", f"/channels/{lobby}/members/me")
    hidden = ada.post(secret, "plans", "s1").json["id"]

    through_lobby = reply(eve, lobby, hidden)
    missing = reply(eve, lobby, 999_999, "k2")

    assert through_lobby.status_code == missing.status_code == 400
    assert through_lobby.json["errors"] == missing.json["errors"]
    for method, suffix in (("GET", "replies"), ("PUT", "follow"), ("DELETE", "follow")):
        path = f"/channels/{secret}/messages/{hidden}/{suffix}"
        assert eve.call(method, path).status_code == 404
    read = eve.call("PUT", f"/channels/{secret}/messages/{hidden}/replies/read", {"seq": 1})
    assert read.status_code == 404
    assert reply(eve, secret, hidden).status_code == 404


def test_a_public_thread_is_readable_but_following_takes_membership(client: FlaskClient) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    lobby = ada.channel("lobby")
    root = ada.post(lobby, "topic", "r").json["id"]

    assert eve.call("GET", f"/channels/{lobby}/messages/{root}/replies").status_code == 200
    assert eve.call("PUT", f"/channels/{lobby}/messages/{root}/follow").status_code == 403
    assert reply(eve, lobby, root).status_code == 403


@pytest.mark.parametrize("root", ["1", -1, 0, 1.5, 2**63, None, [1], {"id": 1}, True])
def test_odd_roots_are_refused_by_name(client: FlaskClient, root: object) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    ada.post(room, "topic", "r")

    answer = reply(ada, room, root)

    assert answer.status_code == 400
    assert list(answer.json["errors"]) == ["thread_root_id"]


def test_threads_of_a_channel_one_left_are_not_listed(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    secret = ada.channel("secret", "private")
    ada.call("POST", f"/channels/{secret}/members", {"user_id": bob.user.id})
    root = ada.post(secret, "plans", "s1").json["id"]
    reply(bob, secret, root)
    assert len(bob.call("GET", "/users/me/threads").json["threads"]) == 1

    ada.call("DELETE", f"/channels/{secret}/members/{bob.user.id}")

    assert bob.call("GET", "/users/me/threads").json["threads"] == []
    assert bob.call("GET", f"/channels/{secret}/messages/{root}/replies").status_code == 404


def test_thread_events_sent_by_a_client_do_nothing(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    root = ada.post(room, "topic", "r").json
    socket = open_as(app, client, ada, opened)

    socket.client.emit("thread_updated", {"channel_id": room, "message": root}, namespace="/v2")
    socket.client.emit("thread_read", {"channel_id": room, "root_id": root["id"]}, namespace="/v2")

    assert socket.connected
    page = ada.call("GET", f"/channels/{room}/messages").json["messages"]
    assert page[-1]["reply_count"] == 0
    assert ada.call("GET", "/users/me/threads").json["threads"] == []


@pytest.fixture
def settings() -> dict[str, object]:
    return {"RATE_LIMITS_ENABLED": True, "RATE_LIMIT_READ": "4 per minute"}


def test_a_flood_of_follows_is_limited(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    root = ada.post(room, "topic", "r").json["id"]
    path = f"/channels/{room}/messages/{root}/follow"

    answers = [ada.call("PUT" if n % 2 == 0 else "DELETE", path) for n in range(6)]

    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert_refused(answers[-1])
