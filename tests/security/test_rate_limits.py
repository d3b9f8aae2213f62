"""Attacks on the rate limits, in process (each database): guessing passwords, forging
the client address, flooding writes and socket events, locking a victim out."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from parley.extensions import db
from parley.models import Message
from tests.api_v2.v2 import Caller
from tests.factories import PASSWORD, basic, bearer, make_user
from tests.v2_sockets import NAMESPACE, V2Socket

ATTACKER, VICTIM, ELSEWHERE = "198.51.100.7", "203.0.113.20", "192.0.2.55"
REQUESTS = 40  # per address and minute, in this module


@pytest.fixture
def settings() -> dict[str, object]:
    return {
        "RATE_LIMITS_ENABLED": True,
        "RATE_LIMIT_REQUESTS": f"{REQUESTS} per minute",
        "RATE_LIMIT_SIGN_IN": "20 per minute",
        "RATE_LIMIT_SIGN_IN_FAILURES": "3 per minute",
        "RATE_LIMIT_SIGN_IN_ACCOUNT": "6 per hour",
        "RATE_LIMIT_SIGN_UP": "3 per hour",
        "RATE_LIMIT_POST": "5 per minute",
        "RATE_LIMIT_EDIT": "2 per minute",
        "RATE_LIMIT_CHANNEL": "2 per hour",
        "RATE_LIMIT_MEMBERSHIP": "2 per hour",
        "RATE_LIMIT_JOB": "2 per minute",
        "RATE_LIMIT_SOCKET_EVENTS": "10 per minute",
        "RATE_LIMIT_SOCKET_REFUSALS": "5 per minute",
    }


def sign_in(client: FlaskClient, nickname: str, password: str, address: str) -> TestResponse:
    return client.post(
        "/api/v2/tokens",
        headers=basic(nickname, password),
        environ_base={"REMOTE_ADDR": address},
    )


def assert_refused(response: TestResponse) -> dict[str, Any]:
    """A 429 in the envelope, saying when to retry, with the RateLimit fields."""
    assert response.status_code == 429, response.json
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert body["code"] == 429
    assert body["error"] == "too many requests"
    assert body["retry_after"] >= 1
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["RateLimit-Remaining"] == "0"
    for field in ("RateLimit-Limit", "RateLimit-Reset", "RateLimit-Policy"):
        assert field in response.headers
    return body


def test_guessing_one_password_is_refused_after_a_few_failures(client: FlaskClient) -> None:
    ada = make_user("ada")
    statuses = [sign_in(client, "ada", f"guess{n}", ATTACKER).status_code for n in range(10)]

    assert statuses == [401] * 3 + [429] * 7
    assert_refused(sign_in(client, "ada", PASSWORD, ATTACKER))
    # Nickname case is no way around it.
    assert sign_in(client, "ADA", "guess", ATTACKER).status_code == 429
    assert ada.id


def test_an_attacker_cannot_lock_the_owner_out(client: FlaskClient) -> None:
    make_user("ada")
    assert sign_in(client, "ada", PASSWORD, VICTIM).status_code == 201  # the owner's address
    owner_session = sign_in(client, "ada", PASSWORD, VICTIM).json

    # Guesses from many addresses trip the account-wide lock-out...
    for n in range(12):
        sign_in(client, "ada", f"guess{n}", f"198.51.100.{n}")
    assert_refused(sign_in(client, "ada", PASSWORD, ELSEWHERE))

    # ...which never reaches an address the owner signed in from, nor a live session.
    assert sign_in(client, "ada", PASSWORD, VICTIM).status_code == 201
    refreshed = client.put("/api/v2/tokens", json={"refresh_token": owner_session["refresh_token"]})
    assert refreshed.status_code == 200


def sign_up_forwarded(client: FlaskClient, nickname: str, forwarded_for: str) -> int:
    """POST /api/v2/users with this X-Forwarded-For; the status."""
    return client.post(
        "/api/v2/users",
        json={"nickname": nickname, "password": "pw"},
        headers={"X-Forwarded-For": forwarded_for},
    ).status_code


def test_a_forged_forwarded_for_is_not_the_client_address(client: FlaskClient) -> None:
    statuses = [sign_up_forwarded(client, f"n{n}", f"192.0.2.{n}") for n in range(6)]

    assert statuses == [201] * 3 + [429] * 3


def test_behind_one_proxy_only_the_address_it_forwarded_counts(
    app: Flask, client: FlaskClient
) -> None:
    from parley.app import register_middleware

    app.config["PROXY_COUNT"] = 1
    register_middleware(app)
    # What a client sent first, then what the proxy appended (HAProxy replaces).
    statuses = [sign_up_forwarded(client, f"n{n}", f"192.0.2.{n}, {ATTACKER}") for n in range(4)]
    other = sign_up_forwarded(client, "elsewhere", VICTIM)

    assert statuses == [201] * 3 + [429]
    assert other == 201


def test_rest_and_socket_posts_share_one_budget(app: Flask, client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    lobby = ada.channel("lobby")
    socket = V2Socket(app, client, {"token": ada.pair["access_token"], "cursors": {}})
    try:
        rest = [ada.post(lobby, "rest", f"r{n}").status_code for n in range(3)]
        acks = [
            socket.post({"channel_id": lobby, "source": "s", "client_msg_id": f"s{n}"})
            for n in range(4)
        ]
    finally:
        socket.close()

    assert rest == [201] * 3
    assert [ack["status"] for ack in acks] == [201, 201, 429, 429]
    assert acks[-1]["error"]["retry_after"] >= 1
    assert_refused(ada.post(lobby, "rest", "r-last"))
    assert db.session.query(Message).filter_by(channel_id=lobby).count() == 5


def test_a_socket_flooding_events_is_refused_then_disconnected(
    app: Flask, client: FlaskClient
) -> None:
    ada = Caller(client, make_user("ada"))
    lobby = ada.channel("lobby")
    socket = V2Socket(app, client, {"token": ada.pair["access_token"], "cursors": {}})
    acks = []
    for n in range(40):
        if not socket.connected:
            break
        acks.append(
            socket.client.emit(
                "post_message",
                {"channel_id": lobby, "source": "x", "client_msg_id": f"f{n}"},
                namespace=NAMESPACE,
                callback=True,
            )
        )
    socket.close()

    statuses = [ack["status"] for ack in acks]
    # 10 events fit the socket's budget (5 of them the user's posting budget), then
    # refusals; at the sixth refusal of the socket the server hangs up.
    assert statuses == [201] * 5 + [429] * 5 + [429] * 6
    assert not socket.connected
    assert all(ack["error"]["retry_after"] >= 1 for ack in acks[5:])


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/channels", {"name": "c-{n}", "kind": "public"}),
        ("POST", "/channels/{lobby}/members", {"user_id": "{bob}"}),
        ("PATCH", "/channels/{lobby}/messages/{message}", {"source": "edited {n}"}),
    ],
)
def test_v2_writes_are_limited_per_user(
    client: FlaskClient, method: str, path: str, body: dict[str, Any]
) -> None:
    ada, bob = Caller(client, make_user("ada")), make_user("bob")
    lobby = ada.channel("lobby", "private")
    message = ada.post(lobby, "first", "m1").json["id"]
    values = {"lobby": lobby, "bob": bob.id, "message": message}

    def send(n: int) -> TestResponse:
        filled = {
            k: (int(str(v).format(**values)) if k == "user_id" else str(v).format(n=n))
            for k, v in body.items()
        }
        return ada.call(method, path.format(**values), filled)

    answers = [send(n) for n in range(3)]

    # The limit is 2 an hour (the channel's creation above took one of its own kind).
    assert all(answer.status_code in (200, 201, 204, 409) for answer in answers[:1])
    assert_refused(answers[-1])


def test_v1_asynchronous_jobs_are_limited_per_user(client: FlaskClient) -> None:
    headers = bearer(make_user("ada"))
    statuses = [
        client.post("/api/messages", json={"source": f"m{n}"}, headers=headers).status_code
        for n in range(3)
    ]

    assert statuses == [202, 202, 429]


def test_every_request_counts_against_its_address_but_health_checks(
    client: FlaskClient,
) -> None:
    assert [client.get("/healthz").status_code for _ in range(REQUESTS + 5)] == [200] * (
        REQUESTS + 5
    )
    answers = [client.get("/api/v2/users/me").status_code for _ in range(REQUESTS + 1)]

    assert answers == [401] * REQUESTS + [429]
