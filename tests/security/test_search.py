"""Attack: search as a hostile client would try it: private channels named or not,
full-text syntax smuggled into the words, markup in what is found, odd filters, and a
flood of searches."""

import re
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.security.test_rate_limits import assert_refused


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '"unclosed phrase',
        "NEAR(secret plans)",
        "secret*",
        "source:secret",
        "messages_fts:secret",
        "^secret",
        "secret AND",
        "OR",
        "-secret",
        "(",
        "'; DROP TABLE messages; --",
        "\\",
        "secret NOT plans",
        "{source}: secret",
        "a OR -b",
        "a OR OR b",
        'x OR -"y"',
        "secret or -plans",
        '-"" secret',
        '"..." secret',
        "secret OR",
        "OR OR",
        "- -",
    ],
)
def test_search_syntax_never_errs_nor_reaches_a_private_channel(
    client: FlaskClient, q: str
) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    secret = ada.channel("secret", "private")
    ada.post(secret, "secret plans for friday", "s1")

    answer = eve.call("GET", f"/search?q={quote(q)}")

    assert answer.status_code == 200, answer.json
    assert answer.json["results"] == []
    assert ada.call("GET", f"/search?q={quote(q)}").status_code == 200


def test_markup_found_is_text_in_the_snippet(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    room = ada.channel("room")
    ada.post(room, '<img src=x onerror="alert(1)"> payload <script>alert(2)</script>', "m1")

    snippet = ada.call("GET", "/search?q=payload").json["results"][0]["snippet"]

    assert set(re.findall(r"<(/?\w+)", snippet)) == {"mark", "/mark"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "q"),
        ("q=", "q"),
        ("q=%20%20", "q"),
        (f"q={'a' * 201}", "q"),
        ("q=a%00b", "q"),
        ("q=a&q=b", "q"),
        ("q=a&has=image", "has"),
        ("q=a&since=yesterday", "since"),
        ("q=a&until=2026-13-01", "until"),
        ("q=a&since=0001-01-01T00:00:00%2B14:00", "since"),
        ("q=a&until=9999-12-31T23:59:59-14:00", "until"),
        ("q=a&since=10000-01-01T00:00:00Z", "since"),
        ("q=a&until=2026-01-01T00:00:00%2B99:00", "until"),
        ("q=a&before=0", "before"),
        ("q=a&before=-5", "before"),
        ("q=a&channel_id=abc", "channel_id"),
        ("q=a&author_id=1.5", "author_id"),
        ("q=a&limit=0", "limit"),
        ("q=a&user_id=1", "user_id"),
    ],
)
def test_odd_queries_are_refused_by_name(client: FlaskClient, query: str, field: str) -> None:
    ada = Caller(client, make_user("ada"))

    answer = ada.call("GET", f"/search?{query}")

    assert answer.status_code == 400, answer.json
    assert list(answer.json["errors"]) == [field]


def test_a_channel_one_may_not_see_is_not_found(client: FlaskClient) -> None:
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    secret = ada.channel("secret", "private")

    hidden = eve.call("GET", f"/search?q=x&channel_id={secret}")
    missing = eve.call("GET", "/search?q=x&channel_id=999999")

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json["message"].replace(str(secret), "N") == missing.json["message"].replace(
        "999999", "N"
    )


@pytest.fixture
def settings() -> dict[str, object]:
    return {"RATE_LIMITS_ENABLED": True, "RATE_LIMIT_SEARCH": "4 per minute"}


def test_a_flood_of_searches_is_limited(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))

    answers = [ada.call("GET", "/search?q=anything") for _ in range(6)]

    assert [a.status_code for a in answers[:4]] == [200] * 4
    assert_refused(answers[-1])
