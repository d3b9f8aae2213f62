"""The refresh token as a browser keeps it: an HttpOnly, SameSite=Strict cookie scoped to
/api/v2/tokens, set at sign-in and at each refresh, cleared at sign-out."""

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from parley.models import User
from tests.factories import basic, make_user

COOKIE = "parley_refresh"
PATH = "/api/v2/tokens"


def sign_in(client: FlaskClient, user: User) -> TestResponse:
    response = client.post(f"{PATH}?refresh_in=cookie", headers=basic(user.nickname))
    assert response.status_code == 201, response.json
    return response


def refresh(client: FlaskClient) -> TestResponse:
    return client.put(f"{PATH}?refresh_in=cookie", json={})


def cookie_value(client: FlaskClient) -> str | None:
    cookie = client.get_cookie(COOKIE, path=PATH)
    return None if cookie is None else cookie.value


def test_sign_in_sets_the_refresh_token_as_a_cookie_page_script_cannot_read(
    client: FlaskClient,
) -> None:
    response = sign_in(client, make_user("ada"))

    body = response.json
    assert body is not None
    assert "refresh_token" not in body
    assert body["access_token"]
    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{COOKIE}=")
    for attribute in ("HttpOnly", "SameSite=Strict", f"Path={PATH}", "Max-Age="):
        assert attribute in header, header
    assert "Secure" not in header  # plain HTTP here; over TLS the cookie is Secure


def test_a_refresh_trades_the_cookie_for_the_next_one(client: FlaskClient) -> None:
    sign_in(client, make_user("ada"))
    first = cookie_value(client)

    response = refresh(client)

    assert response.status_code == 200, response.json
    assert "refresh_token" not in (response.json or {})
    assert cookie_value(client) not in (None, first)


def test_the_spent_cookie_replayed_ends_the_session_and_clears_it(client: FlaskClient) -> None:
    sign_in(client, make_user("ada"))
    spent = cookie_value(client)
    assert spent is not None
    assert refresh(client).status_code == 200

    client.set_cookie(COOKIE, spent, path=PATH)
    replayed = refresh(client)

    assert replayed.status_code == 401
    assert cookie_value(client) is None
    assert refresh(client).status_code == 400  # nothing left to send


def test_sign_out_clears_the_cookie(client: FlaskClient) -> None:
    access = sign_in(client, make_user("ada")).json["access_token"]

    response = client.delete(PATH, headers={"Authorization": f"Bearer {access}"})

    assert response.status_code == 204
    assert cookie_value(client) is None


def test_without_refresh_in_cookie_the_cookie_is_not_read(client: FlaskClient) -> None:
    sign_in(client, make_user("ada"))

    response = client.put(PATH, json={})

    assert response.status_code == 400
    assert list(response.json["errors"]) == ["refresh_token"]


def test_the_body_mode_is_unchanged(client: FlaskClient) -> None:
    user = make_user("ada")
    pair = client.post(PATH, headers=basic(user.nickname)).json

    response = client.put(PATH, json={"refresh_token": pair["refresh_token"]})

    assert response.status_code == 200
    assert response.json["refresh_token"]
    assert cookie_value(client) is None


def test_over_tls_the_cookie_is_host_only_secure_and_trades_the_same_way(
    client: FlaskClient,
) -> None:
    secure = "__Host-parley_refresh"
    response = client.post(
        f"{PATH}?refresh_in=cookie",
        headers=basic(make_user("ada").nickname),
        base_url="https://localhost",
    )

    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{secure}=")
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/;"):
        assert attribute in header, header
    assert "Domain" not in header
    first = client.get_cookie(secure, domain="localhost")
    assert first is not None
    traded = client.put(f"{PATH}?refresh_in=cookie", json={}, base_url="https://localhost")
    assert traded.status_code == 200, traded.json
    second = client.get_cookie(secure, domain="localhost")
    assert second is not None
    assert second.value != first.value
    signed_out = client.delete(
        PATH,
        headers={"Authorization": f"Bearer {traded.json['access_token']}"},
        base_url="https://localhost",
    )
    assert signed_out.status_code == 204
    assert client.get_cookie(secure, domain="localhost") is None
