"""/v2 typing hints in one process: who gets them, the throttle, and that nothing is stored."""

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from parley.extensions import db
from parley.models import ChannelEvent, OutboxEvent
from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.v2_sockets import NAMESPACE, V2Socket, open_as


def typing(socket: V2Socket, data: object) -> dict[str, object]:
    ack: dict[str, object] = socket.client.emit("typing", data, namespace=NAMESPACE, callback=True)
    return ack


def hints(socket: V2Socket) -> list[dict[str, object]]:
    return [payload for name, payload in socket.received() if name == "typing"]


def test_other_members_get_it_the_typist_and_outsiders_do_not(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob, eve = (Caller(client, make_user(name)) for name in ("ada", "bob", "eve"))
    room = ada.channel("room", "private")
    ada.call("POST", f"/channels/{room}/members", {"user_id": bob.user.id})
    ada_laptop, ada_phone = open_as(app, client, ada, opened), open_as(app, client, ada, opened)
    bob_socket, eve_socket = open_as(app, client, bob, opened), open_as(app, client, eve, opened)
    stored = _stored()

    ack = typing(ada_laptop, {"channel_id": room})

    assert ack == {"status": 202}
    bob_socket.wait_for(lambda e: e[0] == "typing")
    assert hints(bob_socket) == [{"channel_id": room, "user_id": ada.user.id, "expires_in": 6}]
    assert hints(ada_laptop) == hints(ada_phone) == hints(eve_socket) == []
    assert _stored() == stored  # a hint is never stored


def test_a_socket_sends_one_hint_per_throttle_period(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    room = ada.channel("room")
    bob.call("PUT", f"/channels/{room}/members/me")
    ada_socket, bob_socket = open_as(app, client, ada, opened), open_as(app, client, bob, opened)

    acks = [typing(ada_socket, {"channel_id": room}) for _ in range(5)]

    assert [ack["status"] for ack in acks] == [202, 204, 204, 204, 204]
    bob_socket.wait_for(lambda e: e[0] == "typing")
    assert len(hints(bob_socket)) == 1


def _stored() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(ChannelEvent)) or 0,
        db.session.scalar(select(func.count(OutboxEvent.id))) or 0,
    )
