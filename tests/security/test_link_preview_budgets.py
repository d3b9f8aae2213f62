"""Attack: one author's messages full of slowly trickling links, to hold the preview
worker for everyone: each page has its deadline, and so do a message's pages together
and an author's pages within a minute (counted in Redis, across workers)."""

import time
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from parley.extensions import db
from parley.models import Message, User
from parley.tasks.previews import FetchBudget, preview_links
from tests.conftest import REDIS_URL
from tests.factories import make_message, make_user
from tests.pages import PageServer, html_page, serving, trickling

# Far below the minutes the trickles would last, far above the budgets.
BOUND = 6.0


@pytest.fixture
def settings(redis_prefix: str) -> dict[str, object]:
    return {
        "LINK_PREVIEW_ALLOWED_NETWORKS": ["127.0.0.2/32"],
        "LINK_PREVIEW_DEADLINE": 60,
        "LINK_PREVIEW_MESSAGE_SECONDS": 1,
        "LINK_PREVIEW_AUTHOR_SECONDS": 2,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": redis_prefix,
    }


@pytest.fixture
def quick() -> Iterator[PageServer]:
    with serving("127.0.0.2", {"/": html_page("Quick")}) as server:
        yield server


def previews_made(author: User, source: str) -> tuple[list[dict[str, str]], float]:
    """Run the preview task of a new message: its previews, and the seconds it took."""
    message = make_message(author, source)
    started = time.monotonic()
    preview_links(message.id)
    took = time.monotonic() - started
    db.session.expire_all()
    stored = db.session.get(Message, message.id)
    assert stored is not None
    return stored.previews or [], took


def test_a_message_of_slow_links_takes_its_budget_at_most(app: Flask) -> None:
    with trickling("127.0.0.2", "body", interval=0.2, pieces=300) as slow:
        links = " ".join(f"[{n}]({slow.url}?{n})" for n in range(3))

        previews, took = previews_made(make_user("mallory"), links)

    assert previews == []
    assert took < BOUND  # three pages of a minute each, cut at the message's second


def test_an_author_whose_minute_is_spent_gets_no_more_fetches(
    app: Flask, quick: PageServer
) -> None:
    mallory, ada = make_user("mallory"), make_user("ada")
    with trickling("127.0.0.2", "body", interval=0.2, pieces=300) as slow:
        for _ in range(2):  # a second each (the message's budget): the author's two
            previews_made(mallory, f"see [slow]({slow.url})")

    hers, _ = previews_made(mallory, f"see [quick]({quick.url()})")
    assert hers == []
    assert quick.connections == 0
    others, _ = previews_made(ada, f"see [quick]({quick.url()})")
    assert [p["title"] for p in others] == ["Quick"]


def test_the_minute_before_counts_too(app: Flask, quick: PageServer, redis_prefix: str) -> None:
    mallory = make_user("mallory")
    if time.time() % 60 > 55:  # the minute would turn before the fetch: start a new one
        time.sleep(60 - time.time() % 60)
    minute = int(time.time() // 60)
    # Far more than the budget, so that any part of the minute before still in the last
    # sixty seconds spends it: the minute's turn gives no fresh budget.
    with redis.Redis.from_url(REDIS_URL) as client:
        client.set(f"{redis_prefix}preview-seconds:{mallory.id}:{minute - 1}", 1000)

    hers, _ = previews_made(mallory, f"see [quick]({quick.url()})")

    assert hers == []
    assert quick.connections == 0


def test_workers_fetching_for_one_author_at_once_share_the_minute(app: Flask) -> None:
    mallory = make_user("mallory")
    budgets = [FetchBudget(mallory.id) for _ in range(3)]  # three messages, three workers

    granted = [budget.grant() for budget in budgets]

    assert sorted(granted) == [0.0, pytest.approx(1.0, abs=0.05), pytest.approx(1.0, abs=0.05)]
