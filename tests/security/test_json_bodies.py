"""Attack: JSON bodies nested deep enough to crash a recursive parser, on every JSON route."""

from typing import Any

import pytest
from flask.testing import FlaskClient

from parley.api.decorators import MAX_JSON_DEPTH, nests_deeper_than
from tests.api_v2.v2 import Caller
from tests.factories import bearer, make_user

DEPTHS = [33, 1000, 100_000]
# Every route that takes a JSON body, v1 and v2: (method, path, Authorization).
ROUTES = [
    ("POST", "/api/users", None),
    ("PUT", "/api/users/{user}", "v1"),
    ("POST", "/api/messages", "v1"),
    ("PUT", "/api/messages/{message}", "v1"),
    ("POST", "/api/v2/users", None),
    ("PUT", "/api/v2/tokens", None),
    ("POST", "/api/v2/channels", "v2"),
    ("POST", "/api/v2/channels/direct", "v2"),
    ("POST", "/api/v2/channels/{channel}/members", "v2"),
    ("POST", "/api/v2/channels/{channel}/messages", "v2"),
    ("PATCH", "/api/v2/channels/{channel}/messages/{message}", "v2"),
    ("PUT", "/api/v2/channels/{channel}/read", "v2"),
]


def nested(depth: int, shape: str) -> str:
    if shape == "arrays":
        return "[" * depth + "]" * depth
    if shape == "objects":
        return '{"a":' * depth + "1" + "}" * depth
    return '{"source": ' + "[" * depth + "]" * depth + "}"  # deep inside a field


@pytest.fixture
def ids_and_headers(client: FlaskClient) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    ada = Caller(client, make_user("ada"))
    channel = ada.channel("lobby")
    message: int = ada.post(channel, "hi", "m1").json["id"]
    headers = {"v1": bearer(ada.user), "v2": ada.headers}
    return {"user": ada.user.id, "channel": channel, "message": message}, headers


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("shape", ["arrays", "objects", "in a field"])
@pytest.mark.parametrize(("method", "path", "auth"), ROUTES)
def test_a_deeply_nested_body_is_a_400_naming_the_body(
    client: FlaskClient,
    ids_and_headers: tuple[dict[str, int], dict[str, dict[str, str]]],
    method: str,
    path: str,
    auth: str | None,
    shape: str,
    depth: int,
) -> None:
    ids, headers = ids_and_headers
    response = client.open(
        path.format(**ids),
        method=method,
        data=nested(depth, shape),
        content_type="application/json",
        headers=headers[auth] if auth else {},
    )

    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert body["code"] == 400
    assert "body" in body["errors"]


@pytest.mark.parametrize(
    ("raw", "deeper"),
    [
        (b'{"source": "' + b"[" * 100 + b'"}', False),  # brackets inside a string
        (b'{"source": "\\"' + b"{" * 100 + b'"}', False),  # after an escaped quote
        (b'{"a": "\\\\"}' + b"[" * 40, True),  # an escaped backslash ends no string
        (b"[" * 33, True),  # not even valid JSON: still too deep
        (b"[" * 32 + b"]" * 32, False),
    ],
)
def test_depth_is_read_from_the_raw_text(raw: bytes, deeper: bool) -> None:
    assert nests_deeper_than(raw, MAX_JSON_DEPTH) is deeper
