"""Test data made through the same services the API uses, each committed as the unit of
work of a request would be."""

import base64
import itertools
from typing import Any, TypeVar

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from parley.extensions import db
from parley.models import Channel, ChannelKind, Message, User
from parley.services import channels, messages, tokens, users

PASSWORD = "correct horse"
_numbers = itertools.count(1)
Made = TypeVar("Made")


def make_user(nickname: str | None = None, password: str = PASSWORD) -> User:
    """A signed-up user (a member of the default channel)."""
    return _committed(users.create_user(nickname or f"user{next(_numbers)}", password))


def make_message(author: User, source: str = "hello") -> Message:
    """A message in the default channel."""
    return _committed(messages.post_message(author.id, channels.default_channel_id(), source))


def make_private_channel(member: User, name: str = "secret") -> Channel:
    """A private channel with one member, its owner."""
    return _committed(channels.create_channel(member.id, name, ChannelKind.PRIVATE))


def bearer(user: User) -> dict[str, str]:
    """Headers authenticating as the user with their v1 token."""
    return {"Authorization": f"Bearer {_committed(tokens.issue_api_token(user.id))}"}


def _committed(made: Made) -> Made:
    db.session.commit()
    return made


def basic(nickname: str, password: str = PASSWORD) -> dict[str, str]:
    """HTTP Basic headers."""
    credentials = base64.b64encode(f"{nickname}:{password}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


def sign_up(client: FlaskClient, nickname: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign up through the API and return the user JSON."""
    response = client.post("/api/users", json={"nickname": nickname, "password": password})
    assert response.status_code == 201, response.json
    return json_of(response)


def json_of(response: TestResponse) -> Any:
    """A response's JSON body; the test fails if it has none."""
    assert response.is_json, response.get_data(as_text=True)[:200]
    return response.json
