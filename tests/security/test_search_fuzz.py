"""Attack: a deterministic fuzz of search's words and dates on both databases (FTS5
and PostgreSQL's parser each have syntax of their own, and dates their range)."""

import random
from urllib.parse import quote

from flask.testing import FlaskClient

from tests.api_v2.v2 import Caller
from tests.factories import make_user


def test_random_words_and_operators_never_err(client: FlaskClient) -> None:
    """A deterministic fuzz of the words on both databases: operators, quotes, dashes
    and punctuation in any order answer 200, and never reach a private channel."""
    ada, eve = Caller(client, make_user("ada")), Caller(client, make_user("eve"))
    ada.post(ada.channel("secret", "private"), "secret plans or not", "s1")
    pieces = ["secret", "plans", "or", "OR", "and", "NOT", "-", '"', "(", ")", "*", "^", ":",
              "NEAR", "+", "'", "\\", "-secret", '-"plans', "é", "日本", ".", "{", "}"]  # fmt: skip
    rng = random.Random(27)  # noqa: S311 (a fuzz that is the same every run)
    for _ in range(150):
        q = " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        answer = eve.call("GET", f"/search?q={quote(q)}")
        assert answer.status_code == 200, (q, answer.json)
        assert answer.json["results"] == [], q


def test_random_dates_are_searches_or_refused_by_name(client: FlaskClient) -> None:
    ada = Caller(client, make_user("ada"))
    ada.post(ada.channel("room"), "dated words", "m1")
    rng = random.Random(28)  # noqa: S311
    for _ in range(60):
        year = rng.choice([1, 2, 1969, 2026, 9998, 9999, 10000])
        offset = rng.choice(["Z", "+14:00", "-14:00", "+23:59", "-23:59", "+24:00", ""])
        moment = f"{year:04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 31):02d}T23:59:59{offset}"
        field = rng.choice(["since", "until"])
        answer = ada.call("GET", f"/search?q=dated&{field}={quote(moment)}")
        assert answer.status_code in (200, 400), (moment, answer.json)
        if answer.status_code == 400:
            assert list(answer.json["errors"]) == [field], moment
