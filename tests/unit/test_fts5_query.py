"""The user's words as an FTS5 query: whatever they are, SQLite's parser accepts the
query made of them (a syntax error would answer 503), and the meaning is a web search's."""

import random
import sqlite3
from collections.abc import Iterator

import pytest

from parley.services.search import fts5_query


@pytest.fixture
def fts() -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(source, tokenize='porter unicode61')")
    connection.executemany(
        "INSERT INTO t(rowid, source) VALUES (?, ?)",
        [(1, "alpha beta"), (2, "beta gamma"), (3, "gamma delta"), (4, "alpha gamma")],
    )
    yield connection
    connection.close()


def matched(fts: sqlite3.Connection, words: str) -> list[int] | None:
    query = fts5_query(words)
    if query is None:
        return None
    return [
        row[0]
        for row in fts.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", (query,))
    ]


@pytest.mark.parametrize(
    ("words", "rowids"),
    [
        ("alpha", [1, 4]),
        ("alpha gamma", [4]),
        ("alpha or delta", [1, 3, 4]),
        ("alpha OR OR delta", [1, 3, 4]),
        ("gamma -alpha", [2, 3]),
        ("alpha OR -gamma", [1]),  # an `or` before an excluded word is dropped
        ('alpha OR -"beta"', [4]),
        ('"beta gamma"', [2]),
        ('"... alpha', [1, 4]),
        ("... alpha", [1, 4]),
        ("-alpha", None),
        ("or", []),  # `or` with nothing before it is a word
    ],
)
def test_words_mean_what_a_web_search_means(
    fts: sqlite3.Connection, words: str, rowids: list[int] | None
) -> None:
    assert matched(fts, words) == rowids


def test_any_words_make_a_query_that_sqlite_parses(fts: sqlite3.Connection) -> None:
    words_and_operators = ["or", "OR", "AND", "NOT", "NEAR", "alpha", "beta", "é", "日本"]
    pieces = [*"\"-()*^:+'\\{}.,;!?~\x7f", *words_and_operators, "-alpha", '-"', "- -"]
    rng = random.Random(4)  # noqa: S311 (a fuzz that is the same every run)
    for _ in range(3000):
        words = "".join(
            rng.choice(pieces) + rng.choice(["", " ", "  "]) for _ in range(rng.randint(1, 8))
        )
        matched(fts, words)  # raises sqlite3.OperationalError on a syntax error
