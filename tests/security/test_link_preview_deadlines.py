"""Attack: a linked page that answers a byte at a time, to hold the preview worker.

Socket timeouts bound each read, not the fetch: a server trickling within them kept a
fetch going for minutes. Each fetch has one deadline across all of it.
"""

import ipaddress
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from parley.cluster import job_commands
from parley.safe_fetch import FetchFailedError, Limits, fetch_html
from tests.e2e.test_worker import post_and_wait
from tests.pages import html_page, serving, trickling
from tests.servers import ROOT, parley_server, shared_env, wait_until

LOOPBACK = [ipaddress.ip_network("127.0.0.2/32")]
DEADLINE = Limits(read_timeout=1.0, total_timeout=1.0)
# Far below the minute the trickle would last, far above the deadline.
BOUND = 6.0


@pytest.mark.parametrize("part", ["headers", "body"])
def test_a_trickling_page_is_cut_off_at_the_deadline(part: str) -> None:
    with trickling("127.0.0.2", part, interval=0.2, pieces=300) as slow:
        started = time.monotonic()
        with pytest.raises(FetchFailedError, match="deadline"):
            fetch_html(slow.url, DEADLINE, LOOPBACK)
        assert time.monotonic() - started < BOUND


def test_the_deadline_spans_every_redirect() -> None:
    with serving("127.0.0.2") as hops:
        hops.delay = 0.4  # each hop answers within the read timeout
        hops.routes.update({f"/{n}": (302, {"Location": f"/{n + 1}"}, b"") for n in range(3)})
        started = time.monotonic()
        with pytest.raises(FetchFailedError, match="deadline"):
            fetch_html(hops.url("/0"), DEADLINE, LOOPBACK)
        assert time.monotonic() - started < BOUND


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A server with the workers `parley serve` runs: one for jobs, one for previews,
    and beat; fetches may take a minute, but no task more than 5 s."""
    env = shared_env(
        "parley_test_slow_pages",
        LINK_PREVIEW_ALLOWED_NETWORKS="127.0.0.2/32",
        LINK_PREVIEW_DEADLINE="60",
        CELERY_TASK_SOFT_TIME_LIMIT="5",
        CELERY_TASK_TIME_LIMIT="10",
    )
    run_dir = tmp_path_factory.mktemp("slow-pages")
    with ExitStack() as stack:
        url = stack.enter_context(parley_server(env))
        for argv in job_commands(run_dir, env, concurrency=1).values():
            stack.enter_context(running(argv, env))
        yield url, env


@contextmanager
def running(argv: list[str], env: dict[str, str]) -> Iterator[None]:
    process = subprocess.Popen(argv, env=env, cwd=ROOT, start_new_session=True)
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def previews_of(env: dict[str, str], message_id: int) -> Any:
    engine = create_engine(env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as connection:
            query = text("SELECT previews FROM messages WHERE id = :id")
            return connection.execute(query, {"id": message_id}).scalar_one()
    finally:
        engine.dispose()


def test_a_trickling_page_delays_no_job_and_no_task_outlives_its_limit(
    deployment: tuple[str, dict[str, str]],
) -> None:
    url, env = deployment
    with trickling("127.0.0.2", "body", interval=0.2, pieces=300) as slow:
        held = post_and_wait(url, f"see {slow.url}")
        wait_until(lambda: slow.trickling_to == 1)
        # While that preview is being trickled, an asynchronous request is answered:
        # long before the task's time limit ends the trickle (with one worker for both,
        # the request would be answered just after it).
        post_and_wait(url, "no links here")
        answered_at = time.monotonic()
        wait_until(lambda: slow.ended_at, timeout=30)
        assert slow.ended_at[0] - answered_at > 2.0

        # The task's time limit frees the only preview process long before the page
        # would have finished (a minute): the next preview is made.
        with serving("127.0.0.2", {"/": html_page("Quick")}) as quick:
            shown = post_and_wait(url, f"see {quick.url()}")
            wait_until(lambda: previews_of(env, shown["id"]) is not None, timeout=30)

    assert previews_of(env, shown["id"])[0]["title"] == "Quick"
    assert previews_of(env, held["id"]) is None
