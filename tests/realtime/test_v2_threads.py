"""/v2 threads in one process: a reply over the socket, the events members get, and
thread_read on every socket of the reader."""

from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import json_of, make_user
from tests.payloads import PayloadChecker
from tests.v2_sockets import V2Socket, open_as


def test_a_reply_over_the_socket_reaches_members_with_its_root_updated(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob, eve = (Caller(client, make_user(name)) for name in ("ada", "bob", "eve"))
    secret = ada.channel("secret", "private")
    ada.call("POST", f"/channels/{secret}/members", {"user_id": bob.user.id})
    root = ada.post(secret, "topic", "r").json
    ada_socket, bob_socket = open_as(app, client, ada, opened), open_as(app, client, bob, opened)
    eve_socket = open_as(app, client, eve, opened)
    checker = PayloadChecker(json_of(client.get("/api/v2/openapi.json")))

    ack = bob_socket.post(
        {
            "channel_id": secret,
            "source": "a reply",
            "client_msg_id": "s1",
            "thread_root_id": root["id"],
        }
    )

    assert ack["status"] == 201
    assert ack["message"]["thread_root_id"] == root["id"]
    ada_socket.wait_for(lambda e: e[0] == "thread_updated")
    posted, updated = ada_socket.channel_events(secret)
    for event in (posted, updated):
        checker.check_event(event["type"], event)
    assert (posted["type"], posted["message"]["id"]) == ("message_posted", ack["message"]["id"])
    assert (updated["type"], updated["seq"], updated["user_id"]) == (
        "thread_updated",
        posted["seq"] + 1,
        bob.user.id,
    )
    assert updated["message"]["id"] == root["id"]
    assert updated["message"]["reply_count"] == 1
    assert eve_socket.received() == []


def test_reading_a_thread_tells_every_socket_of_the_reader(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = (Caller(client, make_user(name)) for name in ("ada", "bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    root = ada.post(room, "topic", "r").json
    reply = bob.call(
        "POST",
        f"/channels/{room}/messages",
        {"source": "re", "client_msg_id": "b1", "thread_root_id": root["id"]},
    ).json
    laptop, phone = open_as(app, client, ada, opened), open_as(app, client, ada, opened)
    checker = PayloadChecker(json_of(client.get("/api/v2/openapi.json")))

    path = f"/channels/{room}/messages/{root['id']}/replies/read"
    answer = ada.call("PUT", path, {"seq": reply["seq"]}).json

    for device in (laptop, phone):
        _, state = device.wait_for(lambda e: e[0] == "thread_read")
        checker.check_event("thread_read", state)
        assert state == answer
        assert (state["root_id"], state["unread_count"]) == (root["id"], 0)
