"""API v1 tokens: Basic to get, Bearer to use, DELETE to revoke; stored only hashed."""

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from parley.extensions import db
from parley.models import Token
from parley.security import hash_token
from tests.factories import basic, json_of, make_user

CHALLENGE = 'Bearer realm="Authentication Required"'


def test_basic_auth_gives_a_64_hex_token(client: FlaskClient) -> None:
    make_user("alice")

    response = client.post("/api/tokens", headers=basic("alice"))

    assert response.status_code == 200
    assert set(json_of(response)) == {"token"}
    assert re.fullmatch(r"[0-9a-f]{64}", response.json["token"])


def test_the_same_token_until_revoked(client: FlaskClient) -> None:
    make_user("bob")
    first = client.post("/api/tokens", headers=basic("bob")).json["token"]

    assert client.post("/api/tokens", headers=basic("bob")).json["token"] == first
    assert (
        client.delete("/api/tokens", headers={"Authorization": f"Bearer {first}"}).status_code
        == 204
    )
    assert client.post("/api/tokens", headers=basic("bob")).json["token"] != first


def test_only_the_hash_of_a_token_is_stored(client: FlaskClient) -> None:
    make_user("carol")
    token = client.post("/api/tokens", headers=basic("carol")).json["token"]

    dumped = " ".join(str(row) for row in db.session.execute(text("SELECT * FROM tokens")))
    assert token not in dumped
    assert db.session.scalar(select(Token.token_hash)) == hash_token(token)


def test_a_new_secret_key_retires_old_tokens(app: Flask, client: FlaskClient) -> None:
    make_user("dave")
    old = client.post("/api/tokens", headers=basic("dave")).json["token"]

    app.config["SECRET_KEY"] = "rotated"
    new = client.post("/api/tokens", headers=basic("dave")).json["token"]

    assert new != old
    assert (
        client.delete("/api/tokens", headers={"Authorization": f"Bearer {old}"}).status_code == 401
    )
    assert (
        client.delete("/api/tokens", headers={"Authorization": f"Bearer {new}"}).status_code == 204
    )


def test_wrong_password_is_flacks_401(client: FlaskClient) -> None:
    make_user("erin")

    for headers in (basic("erin", "wrong"), basic("nobody"), basic("", ""), {}):
        response = client.post("/api/tokens", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == CHALLENGE
        assert response.json["error"] == "authentication required"


def test_revoked_token_stops_working(client: FlaskClient) -> None:
    make_user("frank")
    token = client.post("/api/tokens", headers=basic("frank")).json["token"]
    headers = {"Authorization": f"Bearer {token}"}

    assert client.delete("/api/tokens", headers=headers).status_code == 204
    response = client.delete("/api/tokens", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == CHALLENGE
    assert client.post("/api/messages", json={"source": "hi"}, headers=headers).status_code == 401


def test_revoking_needs_a_bearer_token(client: FlaskClient) -> None:
    make_user("gina")

    assert client.delete("/api/tokens", headers=basic("gina")).status_code == 401
    assert client.delete("/api/tokens").status_code == 401


def test_revoking_one_users_token_leaves_others(client: FlaskClient) -> None:
    make_user("hal")
    make_user("ivy")
    hal = client.post("/api/tokens", headers=basic("hal")).json["token"]
    ivy = client.post("/api/tokens", headers=basic("ivy")).json["token"]

    client.delete("/api/tokens", headers={"Authorization": f"Bearer {hal}"})

    assert (
        client.delete("/api/tokens", headers={"Authorization": f"Bearer {ivy}"}).status_code == 204
    )
