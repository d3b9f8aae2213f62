"""Real Celery workers on a real broker (Redis): asynchronous requests and link previews."""

import os
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from werkzeug.datastructures import Headers

from tests.pages import PageServer, html_page, serving
from tests.servers import (
    answer_of,
    call,
    celery_worker,
    parley_server,
    shared_env,
    sign_up_with_token,
    wait_until,
)
from tests.unit.test_safe_fetch import ssrf_forms

PAGE_HOST = "127.0.0.2"  # the one loopback address the allow-list opens


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    return shared_env(
        "parley_test_worker",
        LINK_PREVIEW_ALLOWED_NETWORKS=f"{PAGE_HOST}/32",
        # A task whose worker was killed is delivered again after 2 s, not 10 minutes.
        CELERY_VISIBILITY_TIMEOUT="2",
    )


@pytest.fixture(scope="module")
def server(env: dict[str, str]) -> Iterator[str]:
    with parley_server(env) as base:
        yield base


@pytest.fixture
def worker(env: dict[str, str]) -> Iterator[Any]:
    with celery_worker(env) as process:
        yield process


def database_rows(env: dict[str, str], sql: str, **params: object) -> list[Any]:
    """Rows straight from PostgreSQL, as the worker stored them."""
    engine = create_engine(env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(sql), params))
    finally:
        engine.dispose()


def post(server: str, token: str, source: str, **headers: str) -> tuple[int, Headers]:
    status, response_headers, _ = call(
        f"{server}/api/messages",
        "POST",
        {"source": source},
        {"Authorization": f"Bearer {token}", **headers},
    )
    return status, response_headers


def test_accepted_then_polled_to_the_real_answer(server: str, worker: Any) -> None:
    token = sign_up_with_token(server)
    bearer = {"Authorization": f"Bearer {token}"}

    status, headers = post(server, token, "*async*")
    final, message = answer_of(headers["Location"], bearer)

    assert status == 202
    assert final == 201
    assert message["html"] == "<em>async</em>"
    status, _, again = call(headers["Location"], headers=bearer)
    assert (status, again) == (201, message)


def test_jobs_are_their_owners_and_keys_make_retries_safe(
    server: str, worker: Any, env: dict[str, str]
) -> None:
    owner, stranger = sign_up_with_token(server), sign_up_with_token(server)
    key = {"Idempotency-Key": uuid.uuid4().hex}

    first = post(server, owner, "only once", **key)
    retry = post(server, owner, "only once", **key)
    final, _ = answer_of(first[1]["Location"], {"Authorization": f"Bearer {owner}"})
    status, _, hidden = call(first[1]["Location"], headers={"Authorization": f"Bearer {stranger}"})

    assert first[1]["Location"] == retry[1]["Location"]
    assert final == 201
    assert status == 404
    assert hidden["code"] == 404
    rows = database_rows(env, "SELECT count(*) FROM messages WHERE source = 'only once'")
    assert rows[0][0] == 1


def previews_of(env: dict[str, str], message_id: int) -> Any:
    rows = database_rows(env, "SELECT previews FROM messages WHERE id = :id", id=message_id)
    return rows[0][0]


def post_and_wait(server: str, source: str) -> dict[str, Any]:
    token = sign_up_with_token(server)
    _, headers = post(server, token, source)
    status, message = answer_of(headers["Location"], {"Authorization": f"Bearer {token}"})
    assert status == 201, message
    return message


def test_a_link_gets_its_preview(server: str, worker: Any, env: dict[str, str]) -> None:
    page = html_page("Local <page>", og={"description": "Served by the test"})
    with serving(PAGE_HOST, {"/article": page}) as site:
        message = post_and_wait(server, f"read {site.url('/article')}")

        wait_until(lambda: previews_of(env, message["id"]) is not None)
        _, _, shown = call(f"{server}/api/messages/{message['id']}")

    assert previews_of(env, message["id"]) == [
        {"url": site.url("/article"), "title": "Local <page>", "description": "Served by the test"}
    ]
    assert shown["html"].endswith(
        f'<blockquote><p><a href="{site.url("/article")}" rel="nofollow noopener noreferrer">'
        "Local &lt;page&gt;</a></p><p>Served by the test</p></blockquote>"
    )


def test_ssrf_links_are_never_fetched(server: str, worker: Any, env: dict[str, str]) -> None:
    with serving("127.0.0.1", {"/": html_page("secret")}) as canary:
        source = " ".join(ssrf_forms(canary.port)[:3])  # a message previews at most 3 links
        others = " ".join(ssrf_forms(canary.port)[3:6])
        messages = [post_and_wait(server, source), post_and_wait(server, others)]

        for message in messages:
            wait_until(lambda m=message: previews_of(env, m["id"]) is not None)

    assert [previews_of(env, m["id"]) for m in messages] == [[], []]
    assert canary.connections == 0


def test_a_worker_killed_mid_preview_leaves_it_to_the_next(
    server: str, env: dict[str, str]
) -> None:
    with ExitStack() as stack:
        site: PageServer = stack.enter_context(serving(PAGE_HOST, {"/slow": html_page("Slow")}))
        site.delay = 1.5
        first = stack.enter_context(celery_worker(env))
        message = post_and_wait(server, f"see {site.url('/slow')}")
        wait_until(lambda: site.connections >= 1)  # the preview task is mid-fetch

        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        assert previews_of(env, message["id"]) is None
        stack.enter_context(celery_worker(env))
        wait_until(lambda: previews_of(env, message["id"]) is not None, timeout=60)
        time.sleep(1)  # a second store would land about now

    assert previews_of(env, message["id"]) == [
        {"url": site.url("/slow"), "title": "Slow", "description": ""}
    ]
    assert site.connections >= 2  # fetched again by the second worker
