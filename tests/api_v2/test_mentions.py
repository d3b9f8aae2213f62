"""v2 mentions: whom a message names, the mentions list, and mention counts."""

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update

from parley.extensions import db
from parley.models import User
from tests.api_v2.v2 import Caller
from tests.factories import make_user


def listed(caller: Caller, channel_id: int) -> dict[str, Any]:
    """The channel as the caller's channel listing gives it."""
    listing = caller.call("GET", "/channels").json["channels"]
    channel: dict[str, Any] = next(c for c in listing if c["id"] == channel_id)
    return channel


def mention_count(caller: Caller, channel_id: int) -> int | None:
    count: int | None = listed(caller, channel_id)["mention_count"]
    return count


def mentions_of(caller: Caller, query: str = "") -> list[str]:
    """The sources of the caller's mentions list, newest first."""
    answer = caller.call("GET", f"/users/me/mentions{query}")
    assert answer.status_code == 200, answer.json
    return [message["source"] for message in answer.json["messages"]]


def people(client: FlaskClient, *names: str) -> list[Caller]:
    return [Caller(client, make_user(name)) for name in names]


def test_a_member_named_is_mentioned_and_no_one_else(client: FlaskClient) -> None:
    ada, bob, cat = people(client, "ada", "bob", "cat")
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")  # cat is not a member

    posted = ada.post(room, "hi @bob, and @cat and @nobody", "m1").json

    mention = f'<span class="mention" data-user-id="{bob.user.id}">@bob</span>'
    assert posted["html"] == f"hi {mention}, and @cat and @nobody"
    assert mentions_of(bob) == ["hi @bob, and @cat and @nobody"]
    assert mentions_of(cat) == mentions_of(ada) == []
    assert (listed(bob, room)["unread_count"], mention_count(bob, room)) == (1, 1)
    assert mention_count(ada, room) == 0
    assert listed(cat, room)["mention_count"] is None  # not a member: no counts at all
    assert ada.call("GET", f"/channels/{room}").json["mention_count"] == 0


def test_names_in_code_in_words_and_of_oneself_mention_nobody(client: FlaskClient) -> None:
    ada, bob = people(client, "ada", "bob")
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")

    for n, source in enumerate(["`@bob`", "mail bob@example.com", "@bobby", "@@bob", "me: @ada"]):
        html = ada.post(room, source, f"m{n}").json["html"]
        assert 'class="mention"' not in html or "@ada" in source

    assert mentions_of(bob) == mentions_of(ada) == []
    assert mention_count(bob, room) == 0


def test_the_longest_member_nickname_that_fits_is_the_one_named(client: FlaskClient) -> None:
    ada, al, al_b = people(client, "ada", "al", "al b.")
    room = ada.channel("room")
    for member in (al, al_b):
        member.call("PUT", f"/channels/{room}/members/me")

    ada.post(room, "@al b. and @al.", "m1")

    assert mentions_of(al_b) == mentions_of(al) == ["@al b. and @al."]


def test_channel_names_every_member_and_here_those_online(client: FlaskClient) -> None:
    ada, bob, cat = people(client, "ada", "bob", "cat")
    room = ada.channel("room")
    for member in (bob, cat):
        member.call("PUT", f"/channels/{room}/members/me")
    db.session.execute(update(User).where(User.id == bob.user.id).values(online=True))
    db.session.execute(update(User).where(User.id == cat.user.id).values(online=False))
    db.session.commit()

    everyone = ada.post(room, "@channel lunch?", "m1").json
    here = ada.post(room, "@here anyone?", "m2").json

    assert 'data-mention="channel"' in everyone["html"]
    assert 'data-mention="here"' in here["html"]
    assert mentions_of(bob) == ["@here anyone?", "@channel lunch?"]
    assert mentions_of(cat) == ["@channel lunch?"]  # offline when @here was said
    assert mentions_of(ada) == []  # never one's own


def test_reading_deleting_and_editing_move_the_count(client: FlaskClient) -> None:
    ada, bob = people(client, "ada", "bob")
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    first = ada.post(room, "@bob one", "m1").json
    second = ada.post(room, "@bob two", "m2").json
    plain = ada.post(room, "three", "m3").json
    assert mention_count(bob, room) == 2

    marked = bob.call("PUT", f"/channels/{room}/read", {"seq": first["seq"]}).json
    assert (marked["unread_count"], marked["mention_count"]) == (2, 1)

    ada.call("DELETE", f"/channels/{room}/messages/{second['id']}")
    assert mention_count(bob, room) == 0
    assert mentions_of(bob) == ["@bob one"]  # read, and still in the list

    path = f"/channels/{room}/messages/{plain['id']}"
    edited = ada.call("PATCH", path, {"source": "three, @bob"})
    assert f'data-user-id="{bob.user.id}"' in edited.json["html"]
    assert mention_count(bob, room) == 1
    assert mentions_of(bob) == ["three, @bob", "@bob one"]
    ada.call("PATCH", path, {"source": "three again"})
    assert mention_count(bob, room) == 0
    assert mentions_of(bob) == ["@bob one"]


def test_the_mentions_list_pages_by_message_id(client: FlaskClient) -> None:
    ada, bob = people(client, "ada", "bob")
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    ids = [ada.post(room, f"@bob {n}", f"m{n}").json["id"] for n in range(5)]

    first = bob.call("GET", "/users/me/mentions?limit=2").json
    assert [m["id"] for m in first["messages"]] == ids[:2:-1][:2] == [ids[4], ids[3]]
    assert first["more"] is True
    rest = bob.call("GET", f"/users/me/mentions?before={ids[3]}").json
    assert [m["id"] for m in rest["messages"]] == [ids[2], ids[1], ids[0]]
    assert rest["more"] is False


def test_leaving_a_private_channel_takes_its_mentions_out_of_the_list(
    client: FlaskClient,
) -> None:
    ada, bob = people(client, "ada", "bob")
    secret = ada.channel("secret", "private")
    ada.call("POST", f"/channels/{secret}/members", {"user_id": bob.user.id})
    ada.post(secret, "@bob the plans", "m1")
    assert mentions_of(bob) == ["@bob the plans"]

    ada.call("DELETE", f"/channels/{secret}/members/{bob.user.id}")

    assert mentions_of(bob) == []
