"""Attack: mentions as a hostile client would try them: naming people outside a private
channel to learn who exists or to reach them, nicknames made of markup, a message made
of thousands of "@", odd queries on the mentions list, and mention events sent by a
client."""

import re
import time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from parley.extensions import db
from parley.models import Mention
from parley.rendering import MENTIONS_MAX
from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.v2_sockets import V2Socket, open_as


def test_naming_an_outsider_reaches_nobody_and_says_nothing_of_them(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    secret = ada.channel("secret", "private")
    eve_socket = open_as(app, client, eve, opened)

    existing = ada.post(secret, "@eve are you there", "m1").json
    missing = ada.post(secret, "@nobody are you there", "m2").json

    # An outsider and a nickname nobody has render alike: nothing tells them apart.
    assert existing["html"] == "@eve are you there"
    assert missing["html"] == "@nobody are you there"
    assert eve.call("GET", "/users/me/mentions").json["messages"] == []
    assert db.session.scalar(select(func.count()).select_from(Mention)) == 0
    time.sleep(0.2)
    assert eve_socket.received() == []


def test_a_mention_in_a_channel_one_left_is_not_shown_afterwards(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    secret = ada.channel("secret", "private")
    ada.call("POST", f"/channels/{secret}/members", {"user_id": bob.user.id})
    ada.post(secret, "@bob before", "m1")
    ada.call("DELETE", f"/channels/{secret}/members/{bob.user.id}")

    ada.post(secret, "@bob after", "m2")  # not a member now: plain text

    assert bob.call("GET", "/users/me/mentions").json["messages"] == []
    listing = bob.call("GET", "/channels").json["channels"]
    assert secret not in [channel["id"] for channel in listing]


@pytest.mark.parametrize(
    "nickname",
    ['<img src=x onerror="alert(1)">', "a&b", "\"'><script>", "ev\u200bil", "ädä", "x" * 32],
)
def test_a_nickname_of_markup_is_text_inside_the_mention(
    client: FlaskClient, nickname: str
) -> None:
    ada, odd = Caller(client, make_user("ada")), Caller(client, make_user(nickname))
    room = ada.channel("room")
    odd.call("PUT", f"/channels/{room}/members/me")

    html = ada.post(room, f"hi @{nickname} !", "m1").json["html"]

    assert html.startswith(f'hi <span class="mention" data-user-id="{odd.user.id}">@')
    assert re.findall(r"<(\w+)", html) == ["span"]  # the markup is text, not elements
    assert len(odd.call("GET", "/users/me/mentions").json["messages"]) == 1


def test_thousands_of_at_signs_are_bounded(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")

    started = time.monotonic()
    flood = ada.post(room, " ".join(["@bob"] * 800), "m1")
    ats = ada.post(room, "@" * 3999, "m2")

    assert time.monotonic() - started < 10  # no query or render grows without bound
    assert flood.status_code == ats.status_code == 201
    assert flood.json["html"].count('class="mention"') == MENTIONS_MAX
    assert bob.call("GET", "/users/me/mentions").json["messages"][0]["id"] == flood.json["id"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?before=abc", "before"),
        ("?before=0", "before"),
        ("?before=-1", "before"),
        ("?before=%D9%A3", "before"),
        ("?limit=0", "limit"),
        ("?limit=1_0", "limit"),
        ("?before=1&before=2", "before"),
        ("?user_id=1", "user_id"),
    ],
)
def test_odd_queries_on_the_list_are_refused_by_name(
    client: FlaskClient, query: str, field: str
) -> None:
    ada = Caller(client, make_user("ada"))

    answer = ada.call("GET", f"/users/me/mentions{query}")

    assert answer.status_code == 400
    assert list(answer.json["errors"]) == [field]


def test_another_user_s_list_has_no_route(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))

    assert ada.call("GET", f"/users/{bob.user.id}/mentions").status_code == 404
    assert client.get("/api/v2/users/me/mentions").status_code == 401


def test_a_huge_limit_is_capped(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    for n in range(3):
        ada.post(room, f"@bob {n}", f"m{n}")

    answer = bob.call("GET", "/users/me/mentions?limit=99999999")

    assert answer.status_code == 200
    assert len(answer.json["messages"]) == 3


def test_mention_events_sent_by_a_client_do_nothing(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    message = ada.post(room, "plain", "m1").json
    ada_socket = open_as(app, client, ada, opened)
    bob_socket = open_as(app, client, bob, opened)

    fake = {"channel_id": room, "message": message, "read_state": {"mention_count": 99}}
    ada_socket.client.emit("mention", fake, namespace="/v2")
    ada_socket.client.emit(
        "read_marker", {"channel_id": room, "mention_count": 99}, namespace="/v2"
    )

    time.sleep(0.2)
    assert ada_socket.connected
    assert [name for name, _ in bob_socket.received()] == []
    assert bob.call("GET", "/users/me/mentions").json["messages"] == []
