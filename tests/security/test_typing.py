"""Attack: typing hints as a hostile client would send them: into hidden and unjoined
channels, with odd payloads, and as a flood."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.v2_sockets import NAMESPACE, V2Socket, open_as


def typing(socket: V2Socket, *data: Any) -> dict[str, Any]:
    ack: dict[str, Any] = socket.client.emit("typing", *data, namespace=NAMESPACE, callback=True)
    return ack


def test_no_hint_reaches_a_channel_the_sender_is_not_in(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    secret = ada.channel("secret", "private")
    public = ada.channel("lobby")
    ada_socket = open_as(app, client, ada, opened)
    eve_socket = open_as(app, client, eve, opened)

    assert typing(eve_socket, {"channel_id": secret})["status"] == 404
    assert typing(eve_socket, {"channel_id": public})["status"] == 403
    assert typing(eve_socket, {"channel_id": 10**9})["status"] == 404
    assert typing(ada_socket, {"channel_id": public})["status"] == 202  # a later one ada gets:
    assert [name for name, _ in ada_socket.received() if name == "typing"] == []


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ((), "body"),
        ((None,), "body"),
        (("12",), "body"),
        (([12],), "body"),
        (({"channel_id": "12"},), "channel_id"),
        (({"channel_id": 1.5},), "channel_id"),
        (({"channel_id": True},), "channel_id"),
        (({"channel_id": -1},), "channel_id"),
        (({"channel_id": 2**70},), "channel_id"),
        (({"channel_id": 1, "user_id": 2},), "user_id"),
        (({"channel_id": {"$ne": 0}},), "channel_id"),
    ],
)
def test_an_odd_payload_is_a_400_naming_the_field(
    app: Flask, client: FlaskClient, opened: list[V2Socket], data: tuple[Any, ...], field: str
) -> None:
    ada = Caller(client, make_user("ada"))
    socket = open_as(app, client, ada, opened)

    ack = typing(socket, *data)

    assert ack["status"] == 400
    assert list(ack["error"]["errors"]) == [field]
    assert socket.connected


@pytest.fixture
def settings() -> dict[str, object]:
    return {"RATE_LIMITS_ENABLED": True, "RATE_LIMIT_SOCKET_EVENTS": "5 per minute"}


def test_a_flood_of_hints_is_refused(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    socket = open_as(app, client, ada, opened)

    statuses = [typing(socket, {"channel_id": room})["status"] for _ in range(7)]

    assert statuses[:5] == [202, 204, 204, 204, 204]
    assert statuses[5:] == [429, 429]
