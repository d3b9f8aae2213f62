"""v2 threads: replies at the channel's seqs, the root's count, the thread read in pages,
following, and unread replies of threads followed."""

from typing import Any

from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user


def reply(caller: Caller, channel_id: int, root_id: int, source: str, key: str) -> Any:
    return caller.call(
        "POST",
        f"/channels/{channel_id}/messages",
        {"source": source, "client_msg_id": key, "thread_root_id": root_id},
    )


def followed(caller: Caller) -> dict[int, dict[str, Any]]:
    """The caller's followed threads: root id -> {root, state}."""
    answer = caller.call("GET", "/users/me/threads")
    assert answer.status_code == 200, answer.json
    return {thread["root"]["id"]: thread for thread in answer.json["threads"]}


def pair(client: FlaskClient) -> tuple[Caller, Caller, int]:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    return ada, bob, room


def test_replies_take_seqs_count_on_the_root_and_stay_out_of_the_channel_page(
    client: FlaskClient,
) -> None:
    ada, bob, room = pair(client)
    root = ada.post(room, "release on friday?", "r").json

    first = reply(bob, room, root["id"], "yes", "a1")
    second = reply(ada, room, root["id"], "good", "a2")

    assert first.status_code == second.status_code == 201
    assert first.json["thread_root_id"] == root["id"]
    assert second.json["seq"] == first.json["seq"] + 2  # thread_updated between them
    page = ada.call("GET", f"/channels/{room}/messages").json["messages"]
    assert [m["source"] for m in page] == ["release on friday?"]
    assert page[0]["reply_count"] == 2
    assert page[0]["last_reply_at"] == second.json["created_at"]
    events = bob.call("GET", f"/channels/{room}/events?after={root['seq']}").json["events"]
    assert [(e["type"], e["message"]["id"]) for e in events] == [
        ("message_posted", first.json["id"]),
        ("thread_updated", root["id"]),
        ("message_posted", second.json["id"]),
        ("thread_updated", root["id"]),
    ]
    assert events[-1]["message"]["reply_count"] == 2

    thread = bob.call("GET", f"/channels/{room}/messages/{root['id']}/replies?limit=1").json
    assert thread["root"]["id"] == root["id"]
    assert [m["source"] for m in thread["messages"]] == ["yes"]
    assert thread["more"] is True
    after = first.json["seq"]
    rest = bob.call("GET", f"/channels/{room}/messages/{root['id']}/replies?after={after}").json
    assert [m["source"] for m in rest["messages"]] == ["good"]
    assert rest["more"] is False


def test_replies_are_not_channel_unread_but_unread_in_a_followed_thread(
    client: FlaskClient,
) -> None:
    ada, bob, room = pair(client)
    root = ada.post(room, "topic", "r").json
    bob.call("PUT", f"/channels/{room}/read", {"seq": root["seq"]})
    reply(bob, room, root["id"], "bob's reply", "b1")  # bob follows, having read his own
    for n in range(2):
        reply(ada, room, root["id"], f"ada {n}", f"a{n}")

    channel = next(c for c in bob.call("GET", "/channels").json["channels"] if c["id"] == room)
    assert channel["unread_count"] == 0  # replies are read in their thread
    state = followed(bob)[root["id"]]["state"]
    assert state["unread_count"] == 2
    # The root's author follows too; replying, she read the thread up to her reply.
    assert followed(ada)[root["id"]]["state"]["unread_count"] == 0

    last = bob.call("GET", f"/channels/{room}/messages/{root['id']}/replies").json["messages"]
    path = f"/channels/{room}/messages/{root['id']}/replies/read"
    marked = bob.call("PUT", path, {"seq": last[-1]["seq"]})
    assert marked.status_code == 200
    assert marked.json["unread_count"] == 0
    assert followed(bob)[root["id"]]["state"]["unread_count"] == 0


def test_following_and_unfollowing_by_hand(client: FlaskClient) -> None:
    ada, bob, room = pair(client)
    root = ada.post(room, "topic", "r").json
    reply(ada, room, root["id"], "before bob followed", "a0")
    path = f"/channels/{room}/messages/{root['id']}/follow"

    assert bob.call("PUT", path).json["unread_count"] == 0  # what came before is not news
    reply(ada, room, root["id"], "after", "a1")
    assert followed(bob)[root["id"]]["state"]["unread_count"] == 1

    assert bob.call("DELETE", path).status_code == 200
    assert followed(bob) == {}
    read = bob.call("PUT", f"{path[: -len('follow')]}replies/read", {"seq": 1})
    assert read.status_code == 403  # not following


def test_a_deleted_reply_leaves_the_count_and_the_thread(client: FlaskClient) -> None:
    ada, bob, room = pair(client)
    root = ada.post(room, "topic", "r").json
    gone = reply(bob, room, root["id"], "oops", "b1").json
    reply(bob, room, root["id"], "stays", "b2")

    bob.call("DELETE", f"/channels/{room}/messages/{gone['id']}")

    page = ada.call("GET", f"/channels/{room}/messages").json["messages"]
    assert page[-1]["reply_count"] == 1
    thread = ada.call("GET", f"/channels/{room}/messages/{root['id']}/replies").json
    assert [m["source"] for m in thread["messages"]] == ["stays"]
    assert followed(ada)[root["id"]]["state"]["unread_count"] == 1


def test_a_thread_has_one_level(client: FlaskClient) -> None:
    ada, bob, room = pair(client)
    root = ada.post(room, "topic", "r").json
    answer = reply(bob, room, root["id"], "a reply", "b1").json

    nested = reply(ada, room, answer["id"], "to the reply", "a1")

    assert nested.status_code == 400
    assert nested.json["errors"]["thread_root_id"] == [
        f"A reply; reply in its thread: {root['id']}."
    ]
    path = f"/channels/{room}/messages/{answer['id']}/replies"
    assert ada.call("GET", path).status_code == 404
