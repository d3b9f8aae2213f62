"""Attack: presence as a hostile client would try it: heartbeats with odd payloads or
naming someone else, presence pushes sent by a client, a flood of heartbeats; and what a
push says (nothing of the channels behind it)."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from parley.extensions import db
from parley.models import User
from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.v2_sockets import NAMESPACE, V2Socket, open_as


def activity(socket: V2Socket, *data: Any) -> dict[str, Any]:
    ack: dict[str, Any] = socket.client.emit("activity", *data, namespace=NAMESPACE, callback=True)
    return ack


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ((), "body"),
        ((None,), "body"),
        (("yes",), "body"),
        (({},), "active"),
        (({"active": "true"},), "active"),
        (({"active": 1},), "active"),
        (({"active": None},), "active"),
        (({"active": True, "user_id": 2},), "user_id"),
        (({"active": True, "presence": "online"},), "presence"),
    ],
)
def test_an_odd_heartbeat_is_a_400_naming_the_field(
    app: Flask, client: FlaskClient, opened: list[V2Socket], data: tuple[Any, ...], field: str
) -> None:
    ada = Caller(client, make_user("ada"))
    socket = open_as(app, client, ada, opened)

    ack = activity(socket, *data)

    assert ack["status"] == 400
    assert list(ack["error"]["errors"]) == [field]
    assert socket.connected


def test_no_client_sets_another_s_presence_nor_pushes_one(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    db.session.execute(update(User).where(User.id == bob.user.id).values(online=False))
    db.session.commit()
    ada_socket = open_as(app, client, ada, opened)
    forged = {"users": [{"user_id": bob.user.id, "presence": "online"}]}

    ada_socket.client.emit("presence", forged, namespace=NAMESPACE)
    activity(ada_socket, {"active": True, "user_id": bob.user.id})

    assert ada.call("GET", f"/users/{bob.user.id}").json["presence"] == "offline"


def test_a_push_names_users_and_states_only(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    secret = bob.channel("secret", "private")  # ada is not in it
    bob.post(secret, "plans", "s1")
    db.session.execute(update(User).where(User.id == bob.user.id).values(online=False))
    db.session.commit()
    ada_socket = open_as(app, client, ada, opened)

    bob.call("GET", "/users/me")  # bob is back

    _, push = ada_socket.wait_for(
        lambda e: e[0] == "presence" and bob.user.id in [u["user_id"] for u in e[1]["users"]]
    )
    for user in push["users"]:
        assert set(user) == {"user_id", "presence", "last_seen_at"}


@pytest.fixture
def settings() -> dict[str, object]:
    return {"RATE_LIMITS_ENABLED": True, "RATE_LIMIT_SOCKET_EVENTS": "5 per minute"}


def test_a_flood_of_heartbeats_is_refused(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada = Caller(client, make_user("ada"))
    socket = open_as(app, client, ada, opened)

    statuses = [activity(socket, {"active": True})["status"] for _ in range(7)]

    assert statuses[:5] == [204] * 5
    assert statuses[5:] == [429, 429]
