"""v2 sign-in: access and rotating refresh tokens, reuse detection, sign-out."""

from flask.testing import FlaskClient

from parley.extensions import db
from parley.models import Token
from tests.api_v2.v2 import Caller, sign_in
from tests.factories import basic, make_user


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def test_sign_in_gives_an_access_and_a_refresh_token(client: FlaskClient) -> None:
    user = make_user("ada")

    pair = sign_in(client, user)

    assert pair["token_type"] == "Bearer"
    assert 0 < pair["expires_in"] <= 900
    me = client.get("/api/v2/users/me", headers=bearer(pair["access_token"]))
    assert me.status_code == 200
    assert me.json["nickname"] == "ada"
    # Only hashes are stored.
    stored = {t.token_hash for t in db.session.scalars(db.select(Token))}
    assert pair["access_token"] not in stored
    assert pair["refresh_token"] not in stored


def test_a_refresh_token_is_not_an_access_token(client: FlaskClient) -> None:
    pair = sign_in(client, make_user())

    response = client.get("/api/v2/users/me", headers=bearer(pair["refresh_token"]))

    assert response.status_code == 401


def test_a_v1_token_is_not_a_v2_access_token(client: FlaskClient) -> None:
    from tests.factories import bearer as v1_bearer

    response = client.get("/api/v2/users/me", headers=v1_bearer(make_user()))

    assert response.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_whole_family(client: FlaskClient) -> None:
    first = sign_in(client, make_user())

    second = client.put("/api/v2/tokens", json={"refresh_token": first["refresh_token"]}).json
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/v2/users/me", headers=bearer(second["access_token"])).status_code == 200

    # The spent token again: somebody else holds it. The session ends for everyone.
    reuse = client.put("/api/v2/tokens", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert reuse.json["code"] == 401
    for secret in (first["access_token"], second["access_token"]):
        assert client.get("/api/v2/users/me", headers=bearer(secret)).status_code == 401
    again = client.put("/api/v2/tokens", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401


def test_another_session_survives_a_reuse(client: FlaskClient) -> None:
    user = make_user()
    mine, other = sign_in(client, user), sign_in(client, user)
    client.put("/api/v2/tokens", json={"refresh_token": mine["refresh_token"]})

    client.put("/api/v2/tokens", json={"refresh_token": mine["refresh_token"]})

    assert client.get("/api/v2/users/me", headers=bearer(other["access_token"])).status_code == 200


def test_sign_out_revokes_the_session(client: FlaskClient) -> None:
    caller = Caller(client, make_user())

    assert caller.call("DELETE", "/tokens").status_code == 204

    assert caller.call("GET", "/users/me").status_code == 401
    refreshed = client.put("/api/v2/tokens", json={"refresh_token": caller.pair["refresh_token"]})
    assert refreshed.status_code == 401


def test_wrong_password_and_bad_bodies(client: FlaskClient) -> None:
    user = make_user()

    assert client.post("/api/v2/tokens", headers=basic(user.nickname, "nope")).status_code == 401
    missing = client.put("/api/v2/tokens", json={})
    assert missing.status_code == 400
    assert "refresh_token" in missing.json["errors"]
    unknown = client.put("/api/v2/tokens", json={"refresh_token": "x", "extra": 1})
    assert unknown.status_code == 400
    assert "extra" in unknown.json["errors"]
    assert client.put("/api/v2/tokens", json={"refresh_token": "made-up"}).status_code == 401
