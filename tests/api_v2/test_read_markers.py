"""v2 read markers: PUT /channels/<id>/read, and the unread counts channels carry."""

from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user


def unread(caller: Caller, channel_id: int) -> int | None:
    """The unread count the channel listing gives the caller for one channel."""
    listing = caller.call("GET", "/channels").json["channels"]
    count: int | None = next(c for c in listing if c["id"] == channel_id)["unread_count"]
    return count


def test_others_messages_after_the_marker_are_unread(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user()), Caller(client, make_user())
    room = ada.channel("room")
    assert bob.call("PUT", f"/channels/{room}/members/me").status_code == 200
    seqs = [ada.post(room, f"m{n}", f"m{n}").json["seq"] for n in range(5)]
    bob.post(room, "mine", "mine")  # one's own messages are never unread

    assert unread(bob, room) == 5
    assert unread(ada, room) == 1  # bob's; her own five never count
    assert ada.call("GET", f"/channels/{room}").json["unread_count"] == 1

    marked = bob.call("PUT", f"/channels/{room}/read", {"seq": seqs[2]})
    assert marked.status_code == 200
    assert marked.json == {
        "channel_id": room,
        "last_read_seq": seqs[2],
        "unread_count": 2,
        "as_of_seq": seqs[-1] + 1,
        "mention_count": 0,
    }
    assert unread(bob, room) == 2
    ada.call("DELETE", f"/channels/{room}/messages/{_id_at(ada, room, seqs[4])}")
    assert unread(bob, room) == 1  # a deleted message is not unread


def _id_at(caller: Caller, channel_id: int, seq: int) -> int:
    page = caller.call("GET", f"/channels/{channel_id}/messages?after={seq - 1}&limit=1").json
    message_id: int = page["messages"][0]["id"]
    return message_id


def test_the_marker_never_moves_back(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user()), Caller(client, make_user())
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    last = [ada.post(room, f"m{n}", f"m{n}").json["seq"] for n in range(3)][-1]

    bob.call("PUT", f"/channels/{room}/read", {"seq": last})
    back = bob.call("PUT", f"/channels/{room}/read", {"seq": 1})

    assert back.status_code == 200
    assert back.json["last_read_seq"] == last
    assert back.json["unread_count"] == 0


def test_what_was_said_before_joining_is_not_unread(client: FlaskClient) -> None:
    ada, bob = Caller(client, make_user()), Caller(client, make_user())
    room = ada.channel("room")
    for n in range(4):
        ada.post(room, f"m{n}", f"m{n}")

    joined = bob.call("PUT", f"/channels/{room}/members/me").json

    assert joined["unread_count"] == 0
    assert joined["membership"]["last_read_seq"] == joined["last_seq"]
    ada.post(room, "after", "after")
    assert unread(bob, room) == 1


def test_non_members_have_no_count_and_no_marker(client: FlaskClient) -> None:
    ada, eve = Caller(client, make_user()), Caller(client, make_user())
    public = ada.channel("lobby")
    secret = ada.channel("plans", "private")
    ada.post(public, "hello", "hello")

    assert unread(eve, public) is None
    assert eve.call("PUT", f"/channels/{public}/read", {"seq": 1}).status_code == 403
    assert eve.call("PUT", f"/channels/{secret}/read", {"seq": 1}).status_code == 404
    assert eve.call("PUT", "/channels/999999/read", {"seq": 1}).status_code == 404


def test_bad_seqs_are_refused_naming_the_field(client: FlaskClient) -> None:
    ada = Caller(client, make_user())
    room = ada.channel("room")
    last = ada.post(room, "m", "m").json["seq"]

    for body in ({"seq": last + 1}, {"seq": -1}, {"seq": "3"}, {"seq": 2**70}, {}, {"seq": None}):
        answer = ada.call("PUT", f"/channels/{room}/read", body)
        assert answer.status_code == 400, body
        assert "seq" in answer.json["errors"], body
