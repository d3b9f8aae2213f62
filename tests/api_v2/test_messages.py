"""v2 messages: idempotent sends, keyset history both ways, edit, delete, events."""

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from parley.extensions import db
from parley.models import ChannelEvent
from parley.models.base import utcnow
from parley.services import history
from parley.tasks.history import prune_channel_events
from tests.api_v2.v2 import Caller
from tests.factories import json_of, make_user


def test_a_retransmission_returns_the_original(ada: Caller) -> None:
    lobby = ada.channel("lobby")

    first = ada.post(lobby, "hello *there*", "send-1")
    again = ada.post(lobby, "hello *there*", "send-1")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json == first.json
    assert "<em>there</em>" in first.json["html"]
    assert len(ada.call("GET", f"/channels/{lobby}/messages").json["messages"]) == 1


def test_posting_changes_only_the_channels_seq(ada: Caller) -> None:
    lobby = ada.channel("lobby")
    before = json_of(ada.call("GET", f"/channels/{lobby}"))

    seq = ada.post(lobby, "hello", "send-1").json["seq"]

    after = ada.call("GET", f"/channels/{lobby}").json
    assert after == {**before, "last_seq": seq}


def test_history_pages_both_ways_by_seq(ada: Caller, settings: dict[str, object]) -> None:
    lobby = ada.channel("lobby")
    seqs = [ada.post(lobby, f"m{i}", f"c{i}").json["seq"] for i in range(7)]

    newest, older, oldest, after, tail = (
        json_of(ada.call("GET", f"/channels/{lobby}/messages?limit=3{query}"))
        for query in ("", f"&before={seqs[4]}", f"&before={seqs[1]}", f"&after={seqs[2]}",
                      f"&after={seqs[5]}")
    )  # fmt: skip

    def sources(page: dict[str, object]) -> list[str]:
        return [m["source"] for m in page["messages"]]  # type: ignore[attr-defined]

    assert (sources(newest), newest["more"]) == (["m4", "m5", "m6"], True)
    assert (sources(older), older["more"]) == (["m1", "m2", "m3"], True)
    assert (sources(oldest), oldest["more"]) == (["m0"], False)
    assert (sources(after), after["more"]) == (["m3", "m4", "m5"], True)
    assert (sources(tail), tail["more"]) == (["m6"], False)


def test_history_queries_are_validated(ada: Caller) -> None:
    lobby = ada.channel("lobby")

    for query, field in [
        ("before=1&after=2", "before"),
        ("limit=0", "limit"),
        ("after=-1", "after"),
        ("before=abc", "before"),
    ]:
        response = ada.call("GET", f"/channels/{lobby}/messages?{query}")
        assert response.status_code == 400, query
        assert field in response.json["errors"], (query, response.json)
    big = ada.call("GET", f"/channels/{lobby}/messages?limit=100000")
    assert big.status_code == 200


def test_bad_message_bodies_name_the_field(ada: Caller) -> None:
    lobby = ada.channel("lobby")

    for body, field in [
        ({"source": "hi"}, "client_msg_id"),
        ({"client_msg_id": "c"}, "source"),
        ({"source": " ", "client_msg_id": "c"}, "source"),
        ({"source": "x" * 4001, "client_msg_id": "c"}, "source"),
        ({"source": "hi", "client_msg_id": "c" * 65}, "client_msg_id"),
        ({"source": "hi", "client_msg_id": "c", "pinned": True}, "pinned"),
        ({"source": 5, "client_msg_id": "c"}, "source"),
    ]:
        response = ada.call("POST", f"/channels/{lobby}/messages", body)
        assert response.status_code == 400, body
        assert field in response.json["errors"], (body, response.json)
    not_json = ada.client.post(
        f"/api/v2/channels/{lobby}/messages", data="source=hi", headers=ada.headers
    )
    assert not_json.status_code == 415


def test_only_members_post_and_only_authors_edit_or_delete(
    client: FlaskClient, ada: Caller
) -> None:
    bob = Caller(client, make_user("bob"))
    lobby = ada.channel("lobby")
    message = ada.post(lobby, "mine", "c1").json
    path = f"/channels/{lobby}/messages/{message['id']}"

    assert bob.post(lobby, "let me", "c1").status_code == 403
    bob.call("PUT", f"/channels/{lobby}/members/me")
    assert bob.call("PATCH", path, {"source": "no"}).status_code == 403
    assert bob.call("DELETE", path).status_code == 403

    edited = ada.call("PATCH", path, {"source": "**mine**"})
    assert edited.status_code == 200
    assert "<strong>mine</strong>" in edited.json["html"]
    assert ada.call("DELETE", path).status_code == 204
    assert ada.call("GET", path).status_code == 404
    assert ada.call("GET", f"/channels/{lobby}/messages").json["messages"] == []


def test_events_replay_everything_after_a_cursor(client: FlaskClient, ada: Caller) -> None:
    bob = Caller(client, make_user("bob"))
    lobby = ada.channel("lobby")
    cursor = ada.call("GET", f"/channels/{lobby}").json["last_seq"]
    first = ada.post(lobby, "one", "c1").json
    bob.call("PUT", f"/channels/{lobby}/members/me")
    ada.call("PATCH", f"/channels/{lobby}/messages/{first['id']}", {"source": "one!"})
    second = ada.post(lobby, "two", "c2").json
    ada.call("DELETE", f"/channels/{lobby}/messages/{second['id']}")

    page = ada.call("GET", f"/channels/{lobby}/events?after={cursor}").json

    assert [(e["seq"] - cursor, e["type"]) for e in page["events"]] == [
        (1, "message_posted"),
        (2, "member_joined"),
        (3, "message_edited"),
        (4, "message_posted"),
        (5, "message_deleted"),
    ]
    assert page["events"][1]["user_id"] == bob.user.id
    assert page["events"][2]["message"]["source"] == "one!"
    assert page["events"][4]["message"]["deleted"] is True
    assert page["last_seq"] == cursor + 5
    assert page["more"] is False
    paged = ada.call("GET", f"/channels/{lobby}/events?after={cursor}&limit=2").json
    assert [e["seq"] - cursor for e in paged["events"]] == [1, 2]
    assert paged["more"] is True


def test_a_cursor_older_than_the_kept_events_must_resync(ada: Caller) -> None:
    lobby = ada.channel("lobby")
    ada.post(lobby, "old", "c1")
    history.prune_before(utcnow() + timedelta(seconds=1))
    ada.post(lobby, "new", "c2")

    stale = ada.call("GET", f"/channels/{lobby}/events?after=0")
    future = ada.call("GET", f"/channels/{lobby}/events?after=99")
    current = ada.call("GET", f"/channels/{lobby}/events?after=2")

    assert stale.status_code == 410
    assert "after" in stale.json["errors"]
    assert future.status_code == 410
    assert [e["message"]["source"] for e in current.json["events"]] == ["new"]


def test_beat_prunes_events_past_their_retention(app: Flask, ada: Caller) -> None:
    lobby = ada.channel("lobby")
    ada.post(lobby, "old", "c1")
    ada.post(lobby, "recent", "c2")
    old = db.session.scalars(
        select(ChannelEvent).where(ChannelEvent.channel_id == lobby).order_by(ChannelEvent.seq)
    ).all()[:2]
    retention = app.config["CHANNEL_EVENT_RETENTION_SECONDS"]
    for event in old:  # the owner joining and the first post
        event.created_at = utcnow() - timedelta(seconds=retention + 1)
    db.session.commit()

    assert prune_channel_events() == 2

    assert ada.call("GET", f"/channels/{lobby}/events?after=0").status_code == 410
    kept = ada.call("GET", f"/channels/{lobby}/events?after=2").json["events"]
    assert [e["message"]["source"] for e in kept] == ["recent"]


def test_numbers_past_what_the_columns_hold_are_refused_by_name(ada: Caller) -> None:
    lobby = ada.channel("lobby")
    huge = 10**30

    for method, path, body, field in [
        ("GET", f"/channels/{lobby}/messages?before={huge}", None, "before"),
        ("GET", f"/channels/{lobby}/messages?after={huge}", None, "after"),
        ("GET", f"/channels/{lobby}/messages?limit={huge}", None, "limit"),
        ("GET", f"/channels/{lobby}/events?after={huge}", None, "after"),
        ("GET", f"/channels/{lobby}/events?after=0&limit={huge}", None, "limit"),
        ("POST", "/channels/direct", {"user_id": huge}, "user_id"),
        ("POST", f"/channels/{lobby}/members", {"user_id": huge}, "user_id"),
    ]:
        response = ada.call(method, path, body)
        assert response.status_code == 400, (path, response.status_code)
        assert field in response.json["errors"], (path, response.json)
