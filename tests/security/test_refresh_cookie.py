"""Attack: the refresh cookie as another site's page, a tampering client or a confused
route would use it: a cross-site form, forged and oversize cookies, the cookie offered
as an access credential, and odd values of `refresh_in`."""

import pytest
from flask.testing import FlaskClient

from tests.factories import basic, make_user

COOKIE = "parley_refresh"
PATH = "/api/v2/tokens"


@pytest.fixture
def signed_in(client: FlaskClient) -> FlaskClient:
    """A browser-like client holding ada's refresh cookie."""
    user = make_user("ada")
    response = client.post(f"{PATH}?refresh_in=cookie", headers=basic(user.nickname))
    assert response.status_code == 201
    return client


def test_a_cross_site_form_cannot_trade_the_cookie(signed_in: FlaskClient) -> None:
    # What a form on another site can send: no JSON, so no preflight (and SameSite=Strict
    # keeps browsers from attaching the cookie at all).
    forged = signed_in.put(
        f"{PATH}?refresh_in=cookie", data={"refresh_token": ""}, content_type="text/plain"
    )

    assert forged.status_code == 415
    assert signed_in.put(f"{PATH}?refresh_in=cookie", json={}).status_code == 200  # not spent


@pytest.mark.parametrize(
    "value",
    ["", "x", "x" * 4000, "%00", "\u202e", "' OR 1=1 --", "a;b", '"quoted"', "é" * 50],
)
def test_a_forged_cookie_is_refused_without_a_server_error(client: FlaskClient, value: str) -> None:
    client.set_cookie(COOKIE, value, path=PATH)

    response = client.put(f"{PATH}?refresh_in=cookie", json={})

    assert response.status_code in (400, 401), response.json
    assert response.json["code"] == response.status_code


def test_the_cookie_is_no_access_credential(signed_in: FlaskClient) -> None:
    response = signed_in.get("/api/v2/users/me")

    assert response.status_code == 401


@pytest.mark.parametrize(
    "query", ["refresh_in=header", "refresh_in=", "refresh_in=cookie&refresh_in=body"]
)
def test_an_odd_refresh_in_is_a_400_naming_it(client: FlaskClient, query: str) -> None:
    user = make_user("bob")

    response = client.post(f"{PATH}?{query}", headers=basic(user.nickname))

    assert response.status_code == 400
    assert list(response.json["errors"]) == ["refresh_in"]


def test_over_tls_a_cookie_without_the_host_prefix_is_not_read(client: FlaskClient) -> None:
    # What a sibling subdomain or a plain-HTTP page could plant: the attacker's own live
    # refresh token, under the name a browser also sends over TLS. Only __Host-
    # cookies (which no sibling and no plain-HTTP page can set) are read over TLS.
    planted = client.post(f"{PATH}?refresh_in=body", headers=basic(make_user("mallory").nickname))
    client.set_cookie(COOKIE, planted.json["refresh_token"], path=PATH, domain="localhost")
    client.set_cookie(COOKIE, planted.json["refresh_token"], path="/", domain="localhost")

    response = client.put(f"{PATH}?refresh_in=cookie", json={}, base_url="https://localhost")

    assert response.status_code == 400, response.json
    assert list(response.json["errors"]) == ["refresh_token"]
