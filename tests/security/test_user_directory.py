"""Attack: the user directory (GET /api/v2/users) as a hostile client would query it:
wildcards, control characters, oversize and odd values, repeated and unknown keys, a
page size meant to dump the table, and no token at all."""

import pytest
from flask.testing import FlaskClient

from parley.models.user import NICKNAME_MAX_LENGTH
from tests.api_v2.v2 import Caller
from tests.factories import make_user


def directory(caller: Caller, query: dict[str, str] | list[tuple[str, str]]) -> tuple[int, dict]:
    response = caller.client.get("/api/v2/users", query_string=query, headers=caller.headers)
    return response.status_code, response.json  # type: ignore[return-value]


@pytest.mark.parametrize("q", ["%", "_", "\\", "%%", "\\%", "a\\"])
def test_like_wildcards_and_escapes_match_only_themselves(ada: Caller, q: str) -> None:
    make_user("plain")

    status, page = directory(ada, {"q": q})

    assert status == 200
    assert page["users"] == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("q", "a\x00b"),
        ("q", "\x1b[2J"),
        ("q", "x" * (NICKNAME_MAX_LENGTH + 1)),
        ("after", ""),
        ("after", "a\x00"),
        ("limit", "0"),
        ("limit", "-1"),
        ("limit", "1e9"),
        ("limit", "99999999999999999999"),
    ],
)
def test_a_bad_value_is_a_400_naming_its_parameter(ada: Caller, name: str, value: str) -> None:
    status, body = directory(ada, {name: value})

    assert status == 400
    assert list(body["errors"]) == [name]


def test_repeated_and_unknown_parameters_are_refused_by_name(ada: Caller) -> None:
    assert directory(ada, [("q", "a"), ("q", "b")])[1]["errors"] == {"q": ["Given more than once."]}
    assert directory(ada, {"email": "x"})[1]["errors"] == {"email": ["Unknown parameter."]}


def test_a_huge_page_size_is_capped(ada: Caller) -> None:
    for n in range(3):
        make_user(f"many{n}")

    status, page = directory(ada, {"limit": "2147483647"})

    assert status == 200
    assert len(page["users"]) <= ada.client.application.config["USERS_PAGE_MAX"]


def test_the_directory_shows_no_secret(ada: Caller) -> None:
    status, page = directory(ada, {"q": "ada"})

    assert status == 200
    assert set(page["users"][0]) == {
        "id",
        "nickname",
        "online",
        "presence",
        "last_seen_at",
        "created_at",
    }
    # When someone last touched their keyboard is theirs alone to see.
    assert "last_active_at" in (ada.call("GET", "/users/me").json or {})


@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic YWRhOmNvcnJlY3QgaG9yc2U="])
def test_no_access_token_no_directory(client: FlaskClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = client.get("/api/v2/users", headers=headers)

    assert response.status_code == 401
