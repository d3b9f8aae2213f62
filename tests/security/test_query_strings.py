"""Attack: query strings and socket cursors spelled to slip past the checks that bodies
get: unknown parameters, repeated keys, and integers Python's int() would accept."""

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.v2_sockets import V2Socket

ODD_INTEGERS = ["+1", " 1", "1 ", "1_0", "\u0663", "\uff11", "1.0", "0x1", "1e2", ""]


@pytest.fixture
def lobby(ada: Caller) -> int:
    return ada.channel("lobby")


def errors_of(ada: Caller, path: str, query: dict[str, str] | list[tuple[str, str]]) -> object:
    response = ada.client.get(f"/api/v2{path}", query_string=query, headers=ada.headers)
    assert response.status_code == 400, response.json
    return response.json["errors"]


@pytest.mark.parametrize("value", ODD_INTEGERS)
@pytest.mark.parametrize("name", ["after", "before", "limit"])
def test_an_odd_integer_in_a_query_is_refused_by_name(
    ada: Caller, lobby: int, name: str, value: str
) -> None:
    errors = errors_of(ada, f"/channels/{lobby}/messages", {name: value})

    assert list(errors) == [name]  # type: ignore[call-overload]


@pytest.mark.parametrize("path", ["/channels/{lobby}/messages", "/channels/{lobby}/events"])
def test_a_repeated_parameter_is_refused_not_first_taken(
    ada: Caller, lobby: int, path: str
) -> None:
    errors = errors_of(ada, path.format(lobby=lobby), [("after", "1"), ("after", "abc")])

    assert errors == {"after": ["Given more than once."]}


@pytest.mark.parametrize(
    "path", ["/users/me", "/channels", "/channels/{lobby}", "/channels/{lobby}/messages"]
)
def test_an_unknown_parameter_is_refused_by_name(ada: Caller, lobby: int, path: str) -> None:
    errors = errors_of(ada, path.format(lobby=lobby), {"debug": "1"})

    assert errors == {"debug": ["Unknown parameter."]}


@pytest.mark.parametrize("key", [k for k in ODD_INTEGERS if k])
def test_an_odd_integer_as_a_socket_cursor_key_refuses_the_connection(
    app: Flask, client: FlaskClient, ada: Caller, lobby: int, opened: list[V2Socket], key: str
) -> None:
    odd = key.replace("1", str(lobby)) if "1" in key else key
    socket = V2Socket(app, client, {"token": ada.pair["access_token"], "cursors": {odd: 0}})
    opened.append(socket)

    assert not socket.connected
    good = V2Socket(app, client, {"token": ada.pair["access_token"], "cursors": {str(lobby): 0}})
    opened.append(good)
    assert good.connected
