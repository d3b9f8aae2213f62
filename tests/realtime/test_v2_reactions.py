"""/v2 reaction events in one process: members see each add and removal, with the
message's reactions; others see nothing."""

from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import json_of, make_user
from tests.payloads import PayloadChecker
from tests.v2_sockets import V2Socket


def test_members_see_reactions_come_and_go_and_outsiders_nothing(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob, eve = (Caller(client, make_user(name)) for name in ("ada", "bob", "eve"))
    secret = ada.channel("secret", "private")
    ada.call("POST", f"/channels/{secret}/members", {"user_id": bob.user.id})
    message = ada.post(secret, "lunch?", "m1").json
    ada_socket, eve_socket = (
        V2Socket(
            app, client, {"token": c.pair["access_token"], "cursors": {secret: message["seq"]}}
        )
        for c in (ada, eve)
    )
    opened += [ada_socket, eve_socket]
    ada_socket.resumed(secret)
    path = f"/channels/{secret}/messages/{message['id']}/reactions/{quote('🍕')}"
    checker = PayloadChecker(json_of(client.get("/api/v2/openapi.json")))

    bob.call("PUT", path)
    bob.call("DELETE", path)

    ada_socket.wait_for(lambda e: e[0] == "reaction_removed")
    added, removed = ada_socket.channel_events(secret)
    for event in (added, removed):
        checker.check_event(event["type"], event)
    assert (added["type"], added["user_id"], added["seq"]) == (
        "reaction_added",
        bob.user.id,
        message["seq"] + 1,
    )
    assert added["message"]["reactions"] == [{"emoji": "🍕", "count": 1, "user_ids": [bob.user.id]}]
    assert removed["type"] == "reaction_removed"
    assert removed["message"]["reactions"] == []
    assert [name for name, _ in eve_socket.received() if name.startswith("reaction")] == []
