"""Attack: read markers (PUT /api/v2/channels/<id>/read and the read_marker push) as a
hostile client would use them: other users' channels and markers, odd encodings of the
seq, extra fields, a flood; and what a non-member can learn from counts."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.security.test_rate_limits import assert_refused
from tests.v2_sockets import V2Socket, open_as


def mark(caller: Caller, channel_id: int, body: Any) -> tuple[int, Any]:
    response = caller.call("PUT", f"/channels/{channel_id}/read", body)
    return response.status_code, response.json


def test_nobody_reads_for_another_or_learns_of_a_hidden_channel(client: FlaskClient) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    secret = ada.channel("secret", "private")
    public = ada.channel("lobby")
    for n in range(3):
        ada.post(secret, f"s{n}", f"s{n}")

    # A hidden channel answers as one that does not exist, whatever the seq.
    assert mark(eve, secret, {"seq": 1})[0] == 404
    assert mark(eve, secret, {"seq": 10**9})[0] == 404
    assert mark(eve, 10**9, {"seq": 1})[0] == 404
    assert mark(eve, public, {"seq": 1})[0] == 403
    listing = {c["id"]: c for c in eve.call("GET", "/channels").json["channels"]}
    assert secret not in listing
    assert listing[public]["unread_count"] is None
    # Ada's marker did not move.
    assert ada.call("GET", f"/channels/{secret}").json["membership"]["last_read_seq"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seq": "1"}, "seq"),
        ({"seq": 1.5}, "seq"),
        ({"seq": True}, "seq"),
        ({"seq": None}, "seq"),
        ({"seq": -1}, "seq"),
        ({"seq": 2**63}, "seq"),
        ({"seq": [1]}, "seq"),
        ({"seq": {"$gt": 0}}, "seq"),
        ({"seq": "\uff11"}, "seq"),  # a full-width digit one
        ({}, "seq"),
        ({"seq": 1, "user_id": 2}, "user_id"),
        ([1], "body"),
        ("1", "body"),
    ],
)
def test_an_odd_seq_is_a_400_naming_the_field(client: FlaskClient, body: Any, field: str) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    ada.post(room, "m", "m")

    status, answer = mark(ada, room, body)

    assert status == 400
    assert list(answer["errors"]) == [field], answer


def test_a_seq_past_the_channel_is_refused_and_moves_nothing(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    last = ada.post(room, "m", "m").json["seq"]

    status, answer = mark(ada, room, {"seq": last + 1})

    assert status == 400
    assert list(answer["errors"]) == ["seq"]
    assert ada.call("GET", f"/channels/{room}").json["membership"]["last_read_seq"] < last + 1


def test_a_marker_push_reaches_its_user_only(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    last = ada.post(room, "m", "m").json["seq"]
    ada_socket = open_as(app, client, ada, opened)
    bob_socket = open_as(app, client, bob, opened)

    assert mark(bob, room, {"seq": last})[0] == 200
    bob_socket.wait_for(lambda e: e[0] == "read_marker")
    ada.post(room, "after", "after")  # a later push ada does get: the marker came first
    ada_socket.wait_for(lambda e: e[0] == "message_posted")

    assert [name for name, _ in ada_socket.received() if name == "read_marker"] == []
    # And a client cannot send one: the server has no handler for it.
    bob_socket.client.emit("read_marker", {"channel_id": room}, namespace="/v2")
    assert bob_socket.connected


@pytest.fixture
def settings() -> dict[str, object]:
    return {"RATE_LIMITS_ENABLED": True, "RATE_LIMIT_READ": "5 per minute"}


def test_a_flood_of_marks_is_limited(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    last = ada.post(room, "m", "m").json["seq"]

    answers = [ada.call("PUT", f"/channels/{room}/read", {"seq": last}) for _ in range(8)]

    assert [a.status_code for a in answers[:5]] == [200] * 5
    assert_refused(answers[-1])
