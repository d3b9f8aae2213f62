"""v2 reactions: one per member per emoji, aggregated on the message, each a channel event."""

from typing import Any
from urllib.parse import quote

from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user


def react(caller: Caller, channel_id: int, message_id: int, emoji: str, add: bool = True) -> Any:
    path = f"/channels/{channel_id}/messages/{message_id}/reactions/{quote(emoji)}"
    return caller.call("PUT" if add else "DELETE", path)


def reactions_of(caller: Caller, channel_id: int, seq: int) -> list[dict[str, Any]]:
    page = caller.call("GET", f"/channels/{channel_id}/messages?after={seq - 1}&limit=1").json
    found: list[dict[str, Any]] = page["messages"][0]["reactions"]
    return found


def test_members_react_once_per_emoji_and_the_message_aggregates_them(
    client: FlaskClient,
) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    message = ada.post(room, "ship it?", "m1").json
    assert message["reactions"] == []

    first = react(bob, room, message["id"], "👍")
    react(ada, room, message["id"], "👍")
    again = react(bob, room, message["id"], "👍")  # already: unchanged, no event
    react(bob, room, message["id"], "🎉")

    assert first.status_code == again.status_code == 200
    assert first.json["reactions"] == [{"emoji": "👍", "count": 1, "user_ids": [bob.user.id]}]
    assert reactions_of(ada, room, message["seq"]) == [
        {"emoji": "👍", "count": 2, "user_ids": [bob.user.id, ada.user.id]},
        {"emoji": "🎉", "count": 1, "user_ids": [bob.user.id]},
    ]
    taken_back = react(bob, room, message["id"], "👍", add=False)
    assert taken_back.json["reactions"][0] == {"emoji": "👍", "count": 1, "user_ids": [ada.user.id]}
    react(bob, room, message["id"], "🎉", add=False)
    react(bob, room, message["id"], "🎉", add=False)  # none: unchanged
    assert reactions_of(bob, room, message["seq"]) == [
        {"emoji": "👍", "count": 1, "user_ids": [ada.user.id]}
    ]

    events = ada.call("GET", f"/channels/{room}/events?after={message['seq']}").json["events"]
    assert [(e["type"], e["user_id"]) for e in events] == [
        ("reaction_added", bob.user.id),
        ("reaction_added", ada.user.id),
        ("reaction_added", bob.user.id),
        ("reaction_removed", bob.user.id),
        ("reaction_removed", bob.user.id),
    ]


def test_forms_of_one_emoji_are_one_reaction(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    message = ada.post(room, "love it", "m1").json

    react(ada, room, message["id"], "❤")  # without the emoji presentation selector
    react(bob, room, message["id"], "❤️")

    assert reactions_of(ada, room, message["seq"]) == [
        {"emoji": "❤️", "count": 2, "user_ids": [ada.user.id, bob.user.id]}
    ]


def test_a_message_holds_a_bounded_number_of_different_emoji(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    message = ada.post(room, "react to me", "m1").json
    emoji = [chr(0x1F600 + n) for n in range(21)]

    answers = [react(ada, room, message["id"], e) for e in emoji]

    assert [a.status_code for a in answers[:20]] == [200] * 20
    assert answers[20].status_code == 409
    assert list(answers[20].json["errors"]) == ["emoji"]
    assert react(ada, room, message["id"], emoji[0]).status_code == 200  # one it has


def test_a_deleted_message_keeps_no_reactions(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    message = ada.post(room, "soon gone", "m1").json
    react(bob, room, message["id"], "👀")

    ada.call("DELETE", f"/channels/{room}/messages/{message['id']}")

    assert react(bob, room, message["id"], "👀").status_code == 404
    events = bob.call("GET", f"/channels/{room}/events?after={message['seq'] + 1}").json
    assert events["events"][-1]["message"]["reactions"] == []
