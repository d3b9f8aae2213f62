"""/v2 `mention` pushes in one process: to whom, with what counts, and when they fall."""

from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import json_of, make_user
from tests.payloads import PayloadChecker
from tests.v2_sockets import V2Socket, open_as


def named(socket: V2Socket, event: str) -> list[dict[str, object]]:
    return [payload for name, payload in socket.received() if name == event]


def test_the_member_named_gets_mention_with_counts_on_every_device(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob, eve = (Caller(client, make_user(name)) for name in ("ada", "bob", "eve"))
    room = ada.channel("room", "private")
    ada.call("POST", f"/channels/{room}/members", {"user_id": bob.user.id})
    laptop, phone = open_as(app, client, bob, opened), open_as(app, client, bob, opened)
    ada_socket, eve_socket = open_as(app, client, ada, opened), open_as(app, client, eve, opened)
    checker = PayloadChecker(json_of(client.get("/api/v2/openapi.json")))

    message = ada.post(room, "@bob @eve look", "m1").json

    for device in (laptop, phone):
        device.wait_for(lambda e: e[0] == "mention")
        [mention] = named(device, "mention")
        checker.check_event("mention", mention)
        assert mention["channel_id"] == room
        assert mention["message"] == message
        assert mention["read_state"] == {
            "channel_id": room,
            "last_read_seq": message["seq"] - 1,
            "unread_count": 1,
            "mention_count": 1,
            "as_of_seq": message["seq"],
        }
    ada_socket.wait_for(lambda e: e[0] == "message_posted")
    assert named(ada_socket, "mention") == named(eve_socket, "mention") == []
    assert eve_socket.received() == []  # not a member: not even that she was named


def test_a_deleted_mention_sends_the_counts_again(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = (Caller(client, make_user(name)) for name in ("ada", "bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    bob_socket = open_as(app, client, bob, opened)
    message = ada.post(room, "@bob soon gone", "m1").json
    bob_socket.wait_for(lambda e: e[0] == "mention")

    ada.call("DELETE", f"/channels/{room}/messages/{message['id']}")

    _, marker = bob_socket.wait_for(lambda e: e[0] == "read_marker")
    assert (marker["unread_count"], marker["mention_count"]) == (0, 0)
    assert marker["as_of_seq"] == message["seq"] + 1  # the deletion's seq


def test_a_mention_posted_over_the_socket_is_stored_with_its_message(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = (Caller(client, make_user(name)) for name in ("ada", "bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    ada_socket, bob_socket = open_as(app, client, ada, opened), open_as(app, client, bob, opened)

    ack = ada_socket.post({"channel_id": room, "source": "hey @bob", "client_msg_id": "s1"})

    assert ack["status"] == 201
    _, mention = bob_socket.wait_for(lambda e: e[0] == "mention")
    assert mention["message"]["id"] == ack["message"]["id"]
    listed = bob.call("GET", "/users/me/mentions").json["messages"]
    assert [m["id"] for m in listed] == [ack["message"]["id"]]


def named_then_unnamed(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> tuple[Caller, Caller, V2Socket, int, str]:
    """ada names bob in a message, then edits the name away; bob's socket has heard both
    (a `mention`, then a `read_marker`). Returns ada, bob, bob's socket, the room and the
    message's path."""
    ada, bob = (Caller(client, make_user(name)) for name in ("ada", "bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    bob_socket = open_as(app, client, bob, opened)
    message = ada.post(room, "@bob lunch?", "m1").json
    path = f"/channels/{room}/messages/{message['id']}"
    bob_socket.wait_for(lambda e: e[0] == "mention")
    ada.call("PATCH", path, {"source": "lunch?"})
    bob_socket.wait_for(lambda e: e[0] == "read_marker")
    return ada, bob, bob_socket, room, path


def test_an_edit_that_restores_a_name_counts_it_again_without_a_second_mention(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob, bob_socket, _, path = named_then_unnamed(app, client, opened)

    ada.call("PATCH", path, {"source": "@bob lunch!"})
    _, restored = bob_socket.wait_for(
        lambda e: e[0] == "read_marker" and e[1]["mention_count"] == 1
    )

    assert len(named(bob_socket, "mention")) == 1  # told once, at the post
    assert restored["mention_count"] == 1
    listed = bob.call("GET", "/users/me/mentions").json["messages"]
    assert [m["source"] for m in listed] == ["@bob lunch!"]


def test_deleting_a_message_an_edit_unnamed_sends_no_counts_again(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, _, bob_socket, room, path = named_then_unnamed(app, client, opened)

    ada.call("DELETE", path)
    later = ada.post(room, "@bob dinner?", "m2").json  # pushed after the deletion's
    bob_socket.wait_for(lambda e: e[0] == "mention" and e[1]["message"]["id"] == later["id"])

    assert len(named(bob_socket, "read_marker")) == 1  # the edit's: the deletion moved no count
