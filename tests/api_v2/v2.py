"""Helpers for API v2 tests: sign in, and call with the access token."""

from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from parley.models import User
from tests.factories import PASSWORD, basic


def sign_in(client: FlaskClient, user: User, password: str = PASSWORD) -> dict[str, Any]:
    """A token pair for the user, from POST /api/v2/tokens."""
    response = client.post("/api/v2/tokens", headers=basic(user.nickname, password))
    assert response.status_code == 201, response.json
    pair: dict[str, Any] = response.json  # type: ignore[assignment]
    return pair


class Caller:
    """A signed-in user's client: every call carries their access token."""

    def __init__(self, client: FlaskClient, user: User) -> None:
        self.client, self.user = client, user
        self.pair = sign_in(client, user)

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header."""
        return {"Authorization": f"Bearer {self.pair['access_token']}"}

    def call(self, method: str, path: str, json: object = None) -> TestResponse:
        """One request to /api/v2<path>."""
        return self.client.open(f"/api/v2{path}", method=method, json=json, headers=self.headers)

    def channel(self, name: str, kind: str = "public") -> int:
        """Create a channel; its id."""
        response = self.call("POST", "/channels", {"name": name, "kind": kind})
        assert response.status_code == 201, response.json
        channel_id: int = response.json["id"]
        return channel_id

    def post(self, channel_id: int, source: str, client_msg_id: str) -> TestResponse:
        """Post a message."""
        return self.call(
            "POST",
            f"/channels/{channel_id}/messages",
            {"source": source, "client_msg_id": client_msg_id},
        )
