"""v2 pins: who may pin, the pinned list, the events they leave, and the limit."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user


def pins_of(caller: Caller, channel_id: int) -> list[int]:
    answer = caller.call("GET", f"/channels/{channel_id}/pins")
    assert answer.status_code == 200, answer.json
    return [message["id"] for message in answer.json["messages"]]


def test_members_pin_and_unpin_and_every_change_is_an_event(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user()), Caller(client, make_user())
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    first = ada.post(room, "first", "m1").json
    second = ada.post(room, "second", "m2").json

    pinned = bob.call("PUT", f"/channels/{room}/messages/{first['id']}/pin")
    bob.call("PUT", f"/channels/{room}/messages/{second['id']}/pin")
    again = bob.call("PUT", f"/channels/{room}/messages/{second['id']}/pin")

    assert pinned.status_code == 200
    assert pinned.json["pinned_by"] == bob.user.id
    assert pinned.json["pinned_at"] is not None
    assert again.status_code == 200  # already pinned: unchanged, no event
    assert pins_of(ada, room) == [second["id"], first["id"]]  # the latest pinned first
    unpinned = ada.call("DELETE", f"/channels/{room}/messages/{second['id']}/pin")
    assert unpinned.json["pinned_at"] is None
    assert pins_of(bob, room) == [first["id"]]

    events = ada.call("GET", f"/channels/{room}/events?after={second['seq']}").json["events"]
    assert [(e["type"], e["user_id"], e["message"]["id"]) for e in events] == [
        ("message_pinned", bob.user.id, first["id"]),
        ("message_pinned", bob.user.id, second["id"]),
        ("message_unpinned", ada.user.id, second["id"]),
    ]


def test_in_a_private_channel_only_owners_pin(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user()), Caller(client, make_user())
    secret = ada.channel("secret", "private")
    ada.call("POST", f"/channels/{secret}/members", {"user_id": bob.user.id})
    message = ada.post(secret, "plans", "m1").json["id"]

    assert bob.call("PUT", f"/channels/{secret}/messages/{message}/pin").status_code == 403
    assert ada.call("PUT", f"/channels/{secret}/messages/{message}/pin").status_code == 200
    assert bob.call("DELETE", f"/channels/{secret}/messages/{message}/pin").status_code == 403
    assert pins_of(bob, secret) == [message]  # members read them


def test_a_deleted_message_leaves_the_pins(client: FlaskClient) -> None:
    ada = Caller(client, make_user())
    room = ada.channel("room")
    message = ada.post(room, "soon gone", "m1").json["id"]
    ada.call("PUT", f"/channels/{room}/messages/{message}/pin")

    ada.call("DELETE", f"/channels/{room}/messages/{message}")

    assert pins_of(ada, room) == []
    assert ada.call("PUT", f"/channels/{room}/messages/{message}/pin").status_code == 404


@pytest.fixture
def settings() -> dict[str, object]:
    return {"PINS_PER_CHANNEL_MAX": 2}


def test_a_channel_holds_a_bounded_number_of_pins(app: Flask, client: FlaskClient) -> None:
    ada = Caller(client, make_user())
    room = ada.channel("room")
    ids = [ada.post(room, f"m{n}", f"m{n}").json["id"] for n in range(3)]

    answers = [ada.call("PUT", f"/channels/{room}/messages/{i}/pin") for i in ids]

    assert [a.status_code for a in answers] == [200, 200, 409]
    assert list(answers[-1].json["errors"]) == ["message_id"]
    ada.call("DELETE", f"/channels/{room}/messages/{ids[0]}/pin")
    assert ada.call("PUT", f"/channels/{room}/messages/{ids[2]}/pin").status_code == 200
