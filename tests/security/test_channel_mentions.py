"""Attack: @channel and @here as an amplifier: one author naming everyone again and
again, by posts and by edits that drop and restore it, and in a channel too big for it
(Mattermost and Slack restrict channel-wide mentions the same way)."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user

EVERYONE = '<span class="mention" data-mention="channel">@channel</span>'


@pytest.fixture
def settings() -> dict[str, object]:
    return {"RATE_LIMITS_ENABLED": True, "RATE_LIMIT_CHANNEL_MENTIONS": "2 per minute"}


def two_in_a_room(client: FlaskClient) -> tuple[Caller, Caller, int]:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    assert bob.call("PUT", f"/channels/{room}/members/me").status_code in (200, 201, 204)
    return ada, bob, room


def mentions_of(caller: Caller) -> int:
    return len(caller.call("GET", "/users/me/mentions").json["messages"])


def test_an_author_names_everyone_so_often_in_a_channel(client: FlaskClient) -> None:
    ada, bob, room = two_in_a_room(client)

    posted = [ada.post(room, f"@channel look {n}", f"m{n}").json for n in range(3)]

    assert [EVERYONE in p["html"] for p in posted] == [True, True, False]
    assert posted[2]["html"] == "@channel look 2"  # past the budget: text, posted all the same
    assert mentions_of(bob) == 2


def test_an_edit_keeping_it_draws_on_nothing_and_restoring_it_does(client: FlaskClient) -> None:
    ada, bob, room = two_in_a_room(client)
    message = ada.post(room, "@channel lunch?", "m1").json
    path = f"/channels/{room}/messages/{message['id']}"

    kept = ada.call("PATCH", path, {"source": "@channel lunch!"}).json  # a typo fixed
    ada.call("PATCH", path, {"source": "lunch!"})
    restored = ada.call("PATCH", path, {"source": "@channel lunch!!"}).json  # the second
    ada.call("PATCH", path, {"source": "lunch"})
    again = ada.call("PATCH", path, {"source": "@channel lunch?!"}).json  # a third: text

    assert EVERYONE in kept["html"]
    assert EVERYONE in restored["html"]
    assert again["html"] == "@channel lunch?!"
    assert mentions_of(bob) == 0  # the last text names nobody


def test_no_one_names_everyone_in_a_channel_too_big(app: Flask, client: FlaskClient) -> None:
    app.config["CHANNEL_MENTION_MAX_MEMBERS"] = 1
    ada, bob, room = two_in_a_room(client)

    posted = ada.post(room, "@here and @channel", "m1").json

    assert posted["html"] == "@here and @channel"
    assert mentions_of(bob) == 0


def test_text_that_only_looks_like_it_draws_nothing(client: FlaskClient) -> None:
    ada, bob, room = two_in_a_room(client)
    for n, source in enumerate(["`@channel` in code", "@channelish", "mail@channel.example"]):
        ada.post(room, source, f"t{n}")

    posted = [ada.post(room, f"@channel look {n}", f"m{n}").json for n in range(2)]

    assert all(EVERYONE in p["html"] for p in posted)  # the budget of 2 is whole
    assert mentions_of(bob) == 2
