"""Versioning headers, security headers, and the one error envelope."""

import base64

import pytest
from flask.testing import FlaskClient

from tests.factories import bearer, make_message, make_user
from tests.jobs import answer


@pytest.mark.parametrize("path", ["/api/users", "/api/v1/users", "/api/v1/messages", "/stats"])
def test_v1_responses_are_marked_deprecated(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["Deprecation"].startswith("@")
    assert int(response.headers["Deprecation"][1:]) > 0
    assert response.headers["Link"] == '</api/v2/>; rel="successor-version"'


def test_v1_errors_are_marked_deprecated_too(client: FlaskClient) -> None:
    response = client.post("/api/v1/users", json={})

    assert response.status_code == 400
    assert "Deprecation" in response.headers


def test_both_prefixes_serve_the_same_resources(client: FlaskClient) -> None:
    user = make_user("alice")

    assert client.get(f"/api/users/{user.id}").json["nickname"] == "alice"
    assert client.get(f"/api/v1/users/{user.id}").json["nickname"] == "alice"


def test_html_has_a_strict_csp(client: FlaskClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_client_is_served_from_this_origin(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)

    assert 'href="/static/web/app/app.css"' in page
    assert '<script type="module" src="/static/web/app/main.js">' in page
    for path, mimetype in (("app.css", "text/css"), ("main.js", "text/javascript")):
        with client.get(f"/static/web/app/{path}") as built:
            assert built.status_code == 200
            assert built.mimetype == mimetype


def test_json_responses_are_not_sniffed(client: FlaskClient) -> None:
    assert client.get("/api/users").headers["X-Content-Type-Options"] == "nosniff"


def test_unknown_route_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/api/nothing-here")

    assert response.status_code == 404
    assert response.json["code"] == 404
    assert response.json["error"] == "not found"


def test_wrong_method_is_a_json_405_with_allow(client: FlaskClient) -> None:
    response = client.delete("/api/users")

    assert response.status_code == 405
    assert response.json["error"] == "method not allowed"
    assert "GET" in response.headers["Allow"]


def test_oversized_body_is_a_413(client: FlaskClient) -> None:
    body = '{"source": "' + "x" * (2 * 1024 * 1024) + '"}'

    response = client.post(
        "/api/messages", data=body, content_type="application/json", headers=bearer(make_user())
    )

    assert response.status_code == 413
    assert response.json["code"] == 413


GARBAGE: list[object] = [
    None,
    0,
    -1,
    1.5,
    True,
    "",
    " ",
    "\x00",
    "💥" * 40,
    [],
    {},
    {"a": [1]},
    "x" * 5000,
]


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_never_causes_a_server_error(client: FlaskClient, value: object) -> None:
    user = make_user()
    auth = bearer(user)
    message = make_message(user, "ok")
    calls = [
        ("post", "/api/users", {"nickname": value, "password": value}),
        ("put", f"/api/users/{user.id}", {"nickname": value, "password": value}),
        ("post", "/api/messages", {"source": value}),
        ("put", f"/api/messages/{message.id}", {"source": value}),
        ("post", "/api/messages", value),
    ]
    for method, path, body in calls:
        response = getattr(client, method)(path, json=body, headers=auth)
        if response.status_code == 202:
            response = answer(client, response, auth)
        assert response.status_code < 500, (method, path, body, response.json)
        if response.status_code >= 400:
            assert response.is_json
            assert "code" in response.json
    for credentials in (f"{value}:{value}", f"{user.nickname}:{value}"):
        response = client.post("/api/tokens", headers=basic_raw(credentials))
        assert response.status_code == 401
    for query in (f"updated_since={value}", f"online={value}"):
        assert client.get(f"/api/users?{query}").status_code in (200, 400)


def basic_raw(credentials: str) -> dict[str, str]:
    """Basic auth for arbitrary text, including what no real user would send."""
    return {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}


def test_openapi_document_describes_v1(client: FlaskClient) -> None:
    spec = client.get("/api/v2/openapi.json").json

    assert spec["openapi"].startswith("3.")
    assert {"/api/v1/users", "/api/v1/messages/{message_id}", "/api/tokens"} <= set(spec["paths"])
    assert client.get("/docs").status_code == 404  # APIFairy's UI loads from a CDN: off


@pytest.mark.parametrize("path", ["/api/users", "/api/v2/users"])
def test_a_lone_surrogate_is_refused_by_field_name(client: FlaskClient, path: str) -> None:
    # Valid JSON, but text no database can store: a 400 naming the field, never a 500.
    body = '{"nickname": "ada\\ud800", "password": "pw"}'

    response = client.post(path, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json["errors"] == {
        "nickname": ["Must be valid Unicode text (no lone surrogates)."]
    }
