"""Attack: a client emits events named after the connection lifecycle.

A socket that could run the server's own `disconnect` handler would leave the socket
registry (and, on `/`, take its user offline) while staying connected and in its rooms:
out of reach of sign-out, member removal and password changes.
"""

import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_socketio import SocketIOTestClient
from sqlalchemy import func, select

from parley.extensions import db, socketio
from parley.models import SocketSession, User
from parley.services import tokens
from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.raw_socket import RawSocket
from tests.v2_clients import Member
from tests.v2_sockets import NAMESPACE, V2Socket, open_as

# The server's lifecycle handlers, and the names Socket.IO's clients reserve.
LIFECYCLE_NAMES = [
    "connect",
    "disconnect",
    "connect_error",
    "disconnecting",
    "newListener",
    "removeListener",
]
# What a hostile client may pass along: nothing, a made-up reason, another auth payload.
ARGUMENT_LISTS: list[tuple[object, ...]] = [(), ("client namespace disconnect",), ({}, {})]


def registered_sockets() -> int:
    return db.session.scalar(select(func.count()).select_from(SocketSession)) or 0


@pytest.mark.parametrize("name", LIFECYCLE_NAMES)
def test_a_v2_client_cannot_run_lifecycle_handlers(
    app: Flask,
    client: FlaskClient,
    ada: Caller,
    bob: Caller,
    opened: list[V2Socket],
    name: str,
) -> None:
    secret = ada.channel("secret", "private")
    ada.call("POST", f"/channels/{secret}/members", {"user_id": bob.user.id})
    socket = open_as(app, client, bob, opened)
    assert socket.connected

    for arguments in ARGUMENT_LISTS:
        ack = socket.client.emit(name, *arguments, namespace=NAMESPACE, callback=True)
        assert ack is None or ack["code"] == 400, ack
    assert socket.connected
    assert registered_sockets() == 1

    # Removal from the private channel still reaches the socket: nothing more arrives.
    assert ada.call("DELETE", f"/channels/{secret}/members/{bob.user.id}").status_code == 204
    socket.wait_for(lambda e: e[0] == "member_left")
    ada.post(secret, "after bob left", "c1")
    assert [e["type"] for e in socket.channel_events(secret)] == ["member_left"]

    # And signing out still disconnects it.
    assert bob.call("DELETE", "/tokens").status_code == 204
    assert not socket.connected
    assert registered_sockets() == 0


@pytest.mark.parametrize("name", LIFECYCLE_NAMES)
def test_a_v1_client_cannot_take_its_user_offline_by_event(app: Flask, name: str) -> None:
    user = make_user("dave")
    socket: SocketIOTestClient = socketio.test_client(app)
    try:
        socket.emit("ping_user", tokens.issue_api_token(user.id), callback=True)
        for arguments in ARGUMENT_LISTS:
            ack = socket.emit(name, *arguments, callback=True)
            assert ack is None or ack["code"] == 400, ack
        assert socket.is_connected()
        assert db.session.get(User, user.id).online is True  # type: ignore[union-attr]
    finally:
        socket.disconnect()
    db.session.expire_all()
    assert db.session.get(User, user.id).online is False  # type: ignore[union-attr]


def test_a_raw_websocket_disconnect_event_leaves_the_socket_in_reach(server: str) -> None:
    owner, member = Member(server), Member(server)
    secret = owner.channel(f"s{uuid.uuid4().hex[:8]}", "private")
    owner.invite(secret, member)
    raw = RawSocket(server)
    try:
        assert raw.connect("/v2", {"token": member.token}).startswith("0/v2,")
        acked = raw.emit("/v2", "disconnect")

        status, _ = owner.call("DELETE", f"/channels/{secret}/members/{member.id}")
        assert status == 204
        raw.wait_for(lambda p: p.startswith('2/v2,["member_left"'))
        status, _ = owner.post(secret, "after the member left", uuid.uuid4().hex)
        assert status == 201
        raw.read_for(1.0)
        # Of the channel, the removal and nothing after it (presence is not the channel's).
        assert [name for name, _ in raw.events("/v2") if name != "presence"] == ["member_left"]
        assert acked[0]["code"] == 400
    finally:
        raw.close()
