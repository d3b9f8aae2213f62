"""The read cache: two web processes (two apps, each with its own cache and Redis
subscription) on one PostgreSQL database and one Redis. What one changes, the
other stops serving from its cache; what nobody changed, it serves with no query."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from parley.app import create_app
from parley.extensions import db, socketio
from parley.read_cache import ReadCache, read_cache
from parley.services import tokens
from tests.api_v2.v2 import Caller
from tests.conftest import REDIS_URL, config_for, delete_rows, dispose_engine
from tests.factories import make_user

WAIT = 5.0  # seconds an invalidation may take to reach the other process (it takes ms)


@pytest.fixture
def processes(postgres_url: str, redis_prefix: str) -> Iterator[tuple[Flask, Flask]]:
    """Two apps as two web processes would run them, both subscribed."""
    settings: dict[str, object] = {"REDIS_URL": REDIS_URL, "REDIS_KEY_PREFIX": redis_prefix}
    # A token is cached while its user's presence needs no write.
    settings["PRESENCE_PING_INTERVAL"] = 60
    apps = tuple(create_app(config_for(postgres_url, **settings)) for _ in range(2))
    for app in apps:
        with app.app_context():
            cache = read_cache()
            assert cache is not None
            cache.stamp("any")  # the first use subscribes
            wait_for(lambda c=cache: c._subscribed)  # type: ignore[misc]
    yield apps  # type: ignore[misc]
    with apps[0].app_context():
        delete_rows()
    for app in apps:
        with app.app_context():
            dispose_engine()


def wait_for(condition: Callable[[], object]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "not within the wait"
        time.sleep(0.01)


class Queries:
    """Counts the SQL statements an app runs."""

    def __init__(self, app: Flask) -> None:
        self.count = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *args: Any) -> None:
        self.count += 1


def callers(apps: tuple[Flask, Flask]) -> tuple[Caller, Caller, FlaskClient]:
    """Ada (owner of channels) on process A, Bob on A; and process B's client."""
    a, b = apps[0].test_client(), apps[1].test_client()
    with apps[0].app_context():
        ada, bob = Caller(a, make_user()), Caller(a, make_user())
    return ada, bob, b


def on(client: FlaskClient, caller: Caller) -> Caller:
    """The same session (token) as `caller`, sending through another process."""
    twin = Caller.__new__(Caller)
    twin.client, twin.user, twin.pair = client, caller.user, caller.pair
    return twin


def page(caller: Caller, channel_id: int, query: str) -> Any:
    response = caller.call("GET", f"/channels/{channel_id}/messages?{query}")
    assert response.status_code == 200, response.json
    return response.json


def test_a_final_page_is_served_again_with_no_query(processes: tuple[Flask, Flask]) -> None:
    ada, _, _ = callers(processes)
    channel = ada.channel("cached")
    for n in range(5):
        ada.post(channel, f"m{n}", f"c{n}")
    first = page(ada, channel, "before=6&limit=3")
    queries = Queries(processes[0])

    again = page(ada, channel, "before=6&limit=3")

    assert again == first
    # Seq 1 is the channel's first member: messages m0-m4 are seqs 2-6.
    assert [m["source"] for m in again["messages"]] == ["m1", "m2", "m3"]
    assert queries.count == 0


def test_an_edit_in_one_process_reaches_the_other_s_cached_page(
    processes: tuple[Flask, Flask],
) -> None:
    ada, _, b = callers(processes)
    channel = ada.channel("edited")
    posted = [ada.post(channel, f"m{n}", f"c{n}").json for n in range(3)]
    page(ada, channel, "before=4")
    page(ada, channel, "after=0&limit=1")  # final too: more follow

    edit = on(b, ada).call(
        "PATCH", f"/channels/{channel}/messages/{posted[1]['id']}", {"source": "changed"}
    )
    assert edit.status_code == 200

    wait_for(lambda: page(ada, channel, "before=4")["messages"][1]["source"] == "changed")
    on(b, ada).call("DELETE", f"/channels/{channel}/messages/{posted[0]['id']}")
    wait_for(lambda: page(ada, channel, "after=0&limit=1")["messages"][0]["source"] == "changed")


def test_pages_that_new_messages_can_change_are_not_kept(processes: tuple[Flask, Flask]) -> None:
    ada, _, b = callers(processes)
    channel = ada.channel("growing")
    ada.post(channel, "first", "c1")
    assert len(page(ada, channel, "")["messages"]) == 1
    assert len(page(ada, channel, "before=100")["messages"]) == 1
    assert page(ada, channel, "after=0&limit=5")["more"] is False

    on(b, ada).post(channel, "second", "c2")

    # At once: nothing was cached that a new message changes.
    assert len(page(ada, channel, "")["messages"]) == 2
    assert len(page(ada, channel, "before=100")["messages"]) == 2
    assert len(page(ada, channel, "after=0&limit=5")["messages"]) == 2


def test_a_member_removed_in_one_process_reads_nothing_more_in_the_other(
    processes: tuple[Flask, Flask],
) -> None:
    ada, bob, b = callers(processes)
    channel = ada.channel("secret", kind="private")
    invited = ada.call("POST", f"/channels/{channel}/members", {"user_id": bob.user.id})
    assert invited.status_code == 204
    ada.post(channel, "for members", "c1")
    assert page(bob, channel, "before=10")["messages"]  # cached for bob in process A

    removed = on(b, ada).call("DELETE", f"/channels/{channel}/members/{bob.user.id}")
    assert removed.status_code == 204

    history = f"/channels/{channel}/messages?before=10"
    wait_for(lambda: bob.call("GET", history).status_code == 404)


def test_a_session_signed_out_in_one_process_is_refused_by_the_other(
    processes: tuple[Flask, Flask],
) -> None:
    ada, _, b = callers(processes)
    channel = ada.channel("mine")
    page(ada, channel, "before=1")  # the token, the access and the page are cached in A
    queries = Queries(processes[0])
    page(ada, channel, "before=1")
    assert queries.count == 0

    assert on(b, ada).call("DELETE", "/tokens").status_code == 204

    wait_for(lambda: ada.call("GET", "/users/me").status_code == 401)


def test_a_v1_token_revoked_in_one_process_is_refused_by_the_other_s_sockets(
    processes: tuple[Flask, Flask],
) -> None:
    a, b = processes
    with a.app_context():
        secret = tokens.issue_api_token(make_user().id)
        db.session.commit()
    socket = socketio.test_client(a)
    try:
        queries = Queries(a)

        def pinged_from_cache() -> bool:
            before = queries.count
            assert socket.emit("ping_user", secret, callback=True) == []  # accepted
            return queries.count == before

        # The first ping writes the user's presence, whose event refuses that fill.
        wait_for(pinged_from_cache)
        revoked = b.test_client().delete(
            "/api/tokens", headers={"Authorization": f"Bearer {secret}"}
        )
        assert revoked.status_code == 204

        wait_for(lambda: socket.emit("ping_user", secret, callback=True) != [])
        assert socket.emit("ping_user", secret, callback=True)["code"] == 401
    finally:
        socket.disconnect()


def test_the_caches_are_off_while_not_subscribed(postgres_url: str, redis_prefix: str) -> None:
    settings = {"REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_KEY_PREFIX": redis_prefix}
    app = create_app(config_for(postgres_url, **settings))
    try:
        client = app.test_client()
        with app.app_context():
            ada = Caller(client, make_user())
            cache = read_cache()
        assert isinstance(cache, ReadCache)
        channel = ada.channel("uncached")
        ada.post(channel, "one", "c1")
        page(ada, channel, "before=5")
        queries = Queries(app)

        assert page(ada, channel, "before=5")["messages"][0]["source"] == "one"
        assert queries.count > 0  # read from the database
        assert cache._subscribed is False
    finally:
        with app.app_context():
            delete_rows()
            dispose_engine()
