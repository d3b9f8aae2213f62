"""API v1 messages: the default channel, Markdown sanitized, editing by the author only."""

import time
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from parley.extensions import db
from parley.models import ChannelKind, Message
from parley.models.base import utcnow
from parley.services import channels, messages
from parley.services.errors import ForbiddenError, NotFoundError
from tests.factories import bearer, json_of, make_message, make_private_channel, make_user
from tests.jobs import answer

MESSAGE_KEYS = {"_links", "created_at", "html", "id", "source", "updated_at", "user_id"}


def test_post_returns_flack_message(client: FlaskClient) -> None:
    alice = make_user("alice")

    headers = bearer(alice)
    accepted = client.post("/api/messages", json={"source": "hello *world*!"}, headers=headers)
    response = answer(client, accepted, headers)

    assert accepted.headers["Location"].startswith("http://localhost/tasks/status/")
    assert response.status_code == 201
    body = json_of(response)
    assert set(body) == MESSAGE_KEYS
    assert body["html"] == "hello <em>world</em>!"
    assert body["source"] == "hello *world*!"
    assert body["user_id"] == alice.id
    assert abs(body["created_at"] - time.time()) < 5
    assert response.headers["Location"] == f"http://localhost/api/messages/{body['id']}"
    assert body["_links"] == {
        "self": f"/api/messages/{body['id']}",
        "user": f"/api/users/{alice.id}",
    }


def test_posts_go_to_the_default_channel_in_sequence(client: FlaskClient) -> None:
    author = make_user()
    headers = bearer(author)
    ids = [
        answer(
            client, client.post("/api/messages", json={"source": f"m{i}"}, headers=headers), headers
        ).json["id"]
        for i in range(3)
    ]

    stored = [db.session.get_one(Message, i) for i in ids]
    assert {m.channel_id for m in stored} == {channels.default_channel().id}
    assert [m.seq for m in stored] == [2, 3, 4]  # seq 1: the author joining


def test_html_is_sanitized(client: FlaskClient) -> None:
    author = make_user()
    source = "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"

    headers = bearer(author)
    accepted = client.post("/api/messages", json={"source": source}, headers=headers)
    html = answer(client, accepted, headers).json["html"]

    assert "<script" not in html
    assert "<img" not in html
    assert 'href="javascript' not in html


def test_posting_needs_a_token(client: FlaskClient) -> None:
    response = client.post("/api/messages", json={"source": "hi"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Authentication Required"'
    assert response.json["error"] == "authentication required"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({}, "Missing data for required field."),
        ({"source": ""}, "Length must be between 1 and 4000."),
        ({"source": " \n "}, "Must not be blank."),
        ({"source": "x" * 4001}, "Length must be between 1 and 4000."),
        ({"source": 7}, "Not a valid string."),
    ],
)
def test_bad_source_is_named(client: FlaskClient, body: dict[str, object], reason: str) -> None:
    response = client.post("/api/messages", json=body, headers=bearer(make_user()))

    assert response.status_code == 400
    assert reason in response.json["errors"]["source"]


def test_list_messages_since(client: FlaskClient) -> None:
    author = make_user()
    first = make_message(author, "one")
    make_message(author, "two")

    everything = client.get("/api/messages").json["messages"]
    since_before = client.get(
        f"/api/messages?updated_since={int(first.updated_at.timestamp()) - 1}"
    )

    assert [m["source"] for m in everything] == ["one", "two"]
    assert all(set(m) == MESSAGE_KEYS for m in everything)
    assert [m["source"] for m in since_before.json["messages"]] == ["one", "two"]


def test_list_never_reaches_back_more_than_a_day(client: FlaskClient) -> None:
    author = make_user()
    old = make_message(author, "old")
    make_message(author, "new")
    old.updated_at = utcnow() - timedelta(hours=25)
    db.session.commit()

    response = client.get("/api/messages?updated_since=0")

    assert [m["source"] for m in response.json["messages"]] == ["new"]


def test_v1_sees_only_the_default_channel(client: FlaskClient) -> None:
    author = make_user()
    private = make_private_channel(author)

    hidden = messages.post_message(author.id, private.id, "not for v1")
    db.session.commit()

    assert client.get("/api/messages").json["messages"] == []
    assert client.get(f"/api/messages/{hidden.id}").status_code == 404


def test_only_members_post_and_a_refused_post_takes_no_seq(client: FlaskClient) -> None:
    owner, outsider = make_user(), make_user()
    private = make_private_channel(owner)
    public = channels.create_channel(owner.id, "open", ChannelKind.PUBLIC)

    with pytest.raises(NotFoundError):  # a channel the outsider may not see: none at all
        messages.post_message(outsider.id, private.id, "let me in")
    with pytest.raises(ForbiddenError):  # one they may see, but have not joined
        messages.post_message(outsider.id, public.id, "let me in")
    posted = messages.post_message(owner.id, private.id, "members only")

    assert posted.seq == 2  # seq 1: the owner joining
    assert db.session.scalar(select(func.count()).select_from(Message)) == 1


def test_get_one_message(client: FlaskClient) -> None:
    message = make_message(make_user(), "just one")

    response = client.get(f"/api/messages/{message.id}")

    assert response.status_code == 200
    assert response.json["source"] == "just one"


@pytest.mark.parametrize("message_id", ["987654", "abc", "0"])
def test_unknown_message_is_a_404(client: FlaskClient, message_id: str) -> None:
    assert client.get(f"/api/messages/{message_id}").status_code == 404


def test_author_edits_a_message(client: FlaskClient) -> None:
    author = make_user()
    message = make_message(author, "draft")

    headers = bearer(author)
    accepted = client.put(
        f"/api/messages/{message.id}", json={"source": "**final**"}, headers=headers
    )
    response = answer(client, accepted, headers)

    assert response.status_code == 204
    shown = client.get(f"/api/messages/{message.id}").json
    assert shown["html"] == "<strong>final</strong>"
    assert shown["updated_at"] >= shown["created_at"]


def test_only_the_author_edits(client: FlaskClient) -> None:
    message = make_message(make_user(), "mine")

    headers = bearer(make_user())
    accepted = client.put(f"/api/messages/{message.id}", json={"source": "yours"}, headers=headers)
    response = answer(client, accepted, headers)

    assert response.status_code == 403
    assert response.json["message"] == "only the author can edit a message"
    assert client.get(f"/api/messages/{message.id}").json["source"] == "mine"


def test_editing_an_unknown_message_is_a_404(client: FlaskClient) -> None:
    headers = bearer(make_user())
    accepted = client.put("/api/messages/424242", json={"source": "x"}, headers=headers)

    assert answer(client, accepted, headers).status_code == 404


def test_edit_with_bad_source_is_named(client: FlaskClient) -> None:
    author = make_user()
    message = make_message(author)

    response = client.put(
        f"/api/messages/{message.id}", json={"source": ""}, headers=bearer(author)
    )

    assert response.status_code == 400
    assert "source" in response.json["errors"]


def test_bad_token_on_a_public_route_is_a_401(client: FlaskClient) -> None:
    response = client.get("/api/messages", headers={"Authorization": "Bearer " + "0" * 64})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="Authentication Required"'


def test_anonymous_reads_are_allowed(client: FlaskClient) -> None:
    make_message(make_user())

    assert client.get("/api/messages").status_code == 200
    assert client.get("/api/users").status_code == 200
