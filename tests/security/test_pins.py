"""Attack: pins as a hostile client would try them: other people's channels, messages of
another channel, odd ids, a body where none is taken, a flood; and pin events sent by a
client."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.security.test_rate_limits import assert_refused
from tests.v2_sockets import V2Socket, open_as


def test_outsiders_neither_pin_nor_see_pins(client: FlaskClient) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    secret = ada.channel("secret", "private")
    public = ada.channel("lobby")
    hidden = ada.post(secret, "plans", "s1").json["id"]
    shown = ada.post(public, "hello", "p1").json["id"]
    ada.call("PUT", f"/channels/{secret}/messages/{hidden}/pin")

    # A hidden channel answers as one that does not exist.
    assert eve.call("GET", f"/channels/{secret}/pins").status_code == 404
    assert eve.call("PUT", f"/channels/{secret}/messages/{hidden}/pin").status_code == 404
    assert eve.call("DELETE", f"/channels/{secret}/messages/{hidden}/pin").status_code == 404
    # A public channel's pins are readable; pinning takes membership.
    assert eve.call("GET", f"/channels/{public}/pins").status_code == 200
    assert eve.call("PUT", f"/channels/{public}/messages/{shown}/pin").status_code == 403
    # A message of a hidden channel, named through a channel eve may see.
    assert eve.call("PUT", f"/channels/{public}/messages/{hidden}/pin").status_code == 404
    assert ada.call("GET", f"/channels/{secret}/pins").json["messages"][0]["id"] == hidden


@pytest.mark.parametrize("message_id", ["0", "-1", "abc", "1.5", "99999999999999999999", "%00"])
def test_odd_ids_are_refused_without_a_500(client: FlaskClient, message_id: str) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")

    answer = ada.call("PUT", f"/channels/{room}/messages/{message_id}/pin")

    assert answer.status_code in (400, 404)
    assert answer.json["code"] == answer.status_code


def test_a_body_or_query_is_refused_by_name(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    message = ada.post(room, "m", "m").json["id"]

    with_query = ada.call("PUT", f"/channels/{room}/messages/{message}/pin?as=someone")

    assert with_query.status_code == 400
    assert list(with_query.json["errors"]) == ["as"]


def test_pin_events_sent_by_a_client_do_nothing(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    message = ada.post(room, "m", "m").json
    socket = open_as(app, client, ada, opened)

    for name in ("message_pinned", "message_unpinned"):
        socket.client.emit(name, {"channel_id": room, "message": message}, namespace="/v2")

    assert socket.connected
    assert ada.call("GET", f"/channels/{room}/pins").json["messages"] == []


@pytest.fixture
def settings() -> dict[str, object]:
    return {"RATE_LIMITS_ENABLED": True, "RATE_LIMIT_EDIT": "4 per minute"}


def test_a_flood_of_pins_is_limited(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    message = ada.post(room, "m", "m").json["id"]

    answers = [
        ada.call("PUT" if n % 2 else "DELETE", f"/channels/{room}/messages/{message}/pin")
        for n in range(6)
    ]

    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert_refused(answers[-1])
