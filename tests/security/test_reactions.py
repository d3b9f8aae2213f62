"""Attack: reactions as a hostile client would try them: other people's channels, things
that are not one emoji (markup, control and direction characters, many emoji, percent
games), a query or body where none is taken, a flood, and reaction events sent by a
client."""

from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import json_of, make_user
from tests.security.test_rate_limits import assert_refused
from tests.v2_sockets import V2Socket, open_as


def path(channel_id: int, message_id: int, emoji: str) -> str:
    return f"/channels/{channel_id}/messages/{message_id}/reactions/{quote(emoji, safe='')}"


def test_outsiders_neither_react_nor_learn_anything(client: FlaskClient) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    secret = ada.channel("secret", "private")
    public = ada.channel("lobby")
    hidden = ada.post(secret, "plans", "s1").json["id"]
    shown = ada.post(public, "hello", "p1").json["id"]

    # A hidden channel answers as one that does not exist, whatever the emoji.
    assert eve.call("PUT", path(secret, hidden, "👍")).status_code == 404
    assert eve.call("DELETE", path(secret, hidden, "👍")).status_code == 404
    # A public channel's messages are readable; reacting takes membership.
    assert eve.call("PUT", path(public, shown, "👍")).status_code == 403
    # A message of a hidden channel, named through a channel eve may see.
    assert eve.call("PUT", path(public, hidden, "👍")).status_code == 404
    assert ada.call("GET", f"/channels/{secret}/messages").json["messages"][0]["reactions"] == []


@pytest.mark.parametrize(
    "emoji",
    [
        "a",
        "👍👍",
        ":thumbsup:",
        "<script>alert(1)</script>",
        "\u202e👍",
        "👍\u0000",
        "\ufe0f",
        "\u200d",
        "🏽",  # a skin tone alone is a component, not a reaction
        "👍" * 30,
        "%F0%9F%91%8D",  # double-encoded
        "..",
        " ",
    ],
)
def test_anything_but_one_emoji_is_refused_by_name(client: FlaskClient, emoji: str) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    message = ada.post(room, "m", "m").json["id"]

    answer = ada.call("PUT", path(room, message, emoji))

    assert answer.status_code in (400, 404), answer.json
    assert answer.json["code"] == answer.status_code
    if answer.status_code == 400:
        assert list(answer.json["errors"]) == ["emoji"]
    assert ada.call("GET", f"/channels/{room}/messages").json["messages"][0]["reactions"] == []


def test_a_query_is_refused_by_name(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    message = ada.post(room, "m", "m").json["id"]

    answer = ada.call("PUT", path(room, message, "👍") + "?user_id=1")

    assert answer.status_code == 400
    assert list(answer.json["errors"]) == ["user_id"]


def test_reaction_events_sent_by_a_client_do_nothing(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    message = ada.post(room, "m", "m")
    socket = open_as(app, client, ada, opened)
    forged = {**json_of(message), "reactions": [{"emoji": "👍", "count": 99, "user_ids": [1]}]}

    for name in ("reaction_added", "reaction_removed", "react"):
        socket.client.emit(name, {"channel_id": room, "message": forged}, namespace="/v2")

    assert socket.connected
    assert ada.call("GET", f"/channels/{room}/messages").json["messages"][0]["reactions"] == []


@pytest.fixture
def settings() -> dict[str, object]:
    return {"RATE_LIMITS_ENABLED": True, "RATE_LIMIT_REACT": "4 per minute"}


def test_a_flood_of_reactions_is_limited(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    message = ada.post(room, "m", "m").json["id"]

    answers = [
        ada.call("PUT" if n % 2 == 0 else "DELETE", path(room, message, "👍")) for n in range(6)
    ]

    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert_refused(answers[-1])
