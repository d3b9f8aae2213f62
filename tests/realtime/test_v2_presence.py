"""/v2 presence in one process: changes reach those who share a channel, merged per
socket; away and back; a reconnection changes nothing."""

import time
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from parley.extensions import db
from parley.models import User
from parley.models.base import utcnow
from parley.services import presence
from tests.api_v2.v2 import Caller
from tests.factories import json_of, make_user
from tests.payloads import PayloadChecker
from tests.v2_sockets import NAMESPACE, V2Socket, open_as

COALESCE = 1.0  # long enough for a burst of requests to fall in one period, on a slow machine


@pytest.fixture
def settings() -> dict[str, object]:
    return {"PRESENCE_COALESCE_SECONDS": COALESCE}


def pushes(socket: V2Socket) -> list[dict[str, Any]]:
    return [payload for name, payload in socket.received() if name == "presence"]


def go_offline(*callers: Caller) -> None:
    ids = [c.user.id for c in callers]
    db.session.execute(update(User).where(User.id.in_(ids)).values(online=False, away=False))
    db.session.commit()


def test_a_burst_of_arrivals_is_one_push_per_socket_with_everyone_in_it(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada = Caller(client, make_user("ada"))
    arrivals = [Caller(client, make_user(f"user{n}")) for n in range(5)]
    room = ada.channel("room", "private")
    outsider = Caller(client, make_user("eve"))
    for caller in arrivals:
        ada.call("POST", f"/channels/{room}/members", {"user_id": caller.user.id})
    go_offline(*arrivals, outsider)
    watcher = open_as(app, client, ada, opened)
    checker = PayloadChecker(json_of(client.get("/api/v2/openapi.json")))
    _, welcome = watcher.wait_for(lambda e: e[0] == "presence")  # who is there: ada
    checker.check_event("presence", welcome)
    assert [(u["user_id"], u["presence"]) for u in welcome["users"]] == [(ada.user.id, "online")]

    for caller in [*arrivals, outsider]:
        assert caller.call("GET", "/users/me").status_code == 200  # seen: online again

    watcher.wait_for(lambda e: len(pushes(watcher)) == 2)
    time.sleep(COALESCE * 2)
    assert len(pushes(watcher)) == 2  # the arrivals merged into one
    states = {u["user_id"]: u["presence"] for u in pushes(watcher)[1]["users"]}
    # eve shares #general with ada: everyone does; the five share the private room too.
    assert states == {c.user.id: "online" for c in [*arrivals, outsider]}


def test_away_after_idleness_and_back_with_activity(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    watcher = open_as(app, client, ada, opened)
    bob_socket = open_as(app, client, bob, opened)
    watcher.wait_for(lambda e: e[0] == "presence")  # the welcome
    time.sleep(COALESCE * 2)
    welcomed = len(pushes(watcher))
    db.session.execute(
        update(User)
        .where(User.id == bob.user.id)
        .values(last_active_at=utcnow() - timedelta(minutes=10))
    )
    db.session.commit()

    assert presence.sweep_idle(timedelta(minutes=5)) == [bob.user.id]
    db.session.commit()
    watcher.wait_for(lambda e: len(pushes(watcher)) > welcomed)
    away = pushes(watcher)[welcomed]
    assert away["users"] == [
        {
            "user_id": bob.user.id,
            "presence": "away",
            "last_seen_at": away["users"][0]["last_seen_at"],
        }
    ]

    idle = bob_socket.client.emit("activity", {"active": False}, namespace=NAMESPACE, callback=True)
    back = bob_socket.client.emit("activity", {"active": True}, namespace=NAMESPACE, callback=True)

    assert idle == back == {"status": 204}
    watcher.wait_for(lambda e: len(pushes(watcher)) > welcomed + 1)
    assert [p["users"][0]["presence"] for p in pushes(watcher)[welcomed:]] == ["away", "online"]


def test_reconnecting_changes_no_one_s_presence(
    app: Flask, client: FlaskClient, opened: list[V2Socket]
) -> None:
    ada, bob = Caller(client, make_user("ada")), Caller(client, make_user("bob"))
    watcher = open_as(app, client, ada, opened)
    watcher.wait_for(lambda e: e[0] == "presence")  # the welcome
    for _ in range(5):
        open_as(app, client, bob, opened).close()
    open_as(app, client, bob, opened)

    time.sleep(COALESCE * 3)
    assert len(pushes(watcher)) == 1  # the welcome alone
