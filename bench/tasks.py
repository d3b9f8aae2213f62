"""Job-queue throughput: tasks per second through Redis and a real Celery worker.

- trivial: Celery's built-in `celery.accumulate` (returns its arguments), so the figure
  is the queue's own cost: publish, deliver, run, acknowledge;
- previews: `preview_links` for messages that each link to a page served here on
  loopback (allowed by LINK_PREVIEW_ALLOWED_NETWORKS): load, fetch, parse, store, push.

Each phase times a running worker (2 processes, as in `make cluster`) from the moment
the first task is sent until the last is done; sending overlaps running, as in service.
Writes bench/reports/tasks.md. Usage:

    .venv/bin/python bench/tasks.py [--tasks 2000] [--previews 300]
"""

import argparse
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import redis
from plans import POSTGRES, REDIS_URL
from sqlalchemy import func, select
from tests.topology import recreate_database

from parley.app import create_app
from parley.cluster import worker_command
from parley.config import DevelopmentConfig
from parley.extensions import db
from parley.models import Message, User
from parley.services import channels, messages
from parley.tasks.previews import preview_links

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.pages import html_page, serving

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "bench" / "reports" / "tasks.md"
PAGE_HOST = "127.0.0.2"
TIMEOUT = 300  # seconds a phase may take


def wait_until(done: Callable[[], bool], what: str) -> float:
    """Poll until done; return when it was (monotonic seconds)."""
    deadline = time.monotonic() + TIMEOUT
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not done within {TIMEOUT} s")
        time.sleep(0.02)
    return time.monotonic()


def main() -> None:
    """Queue each phase's tasks, start a worker, time it, write the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--previews", type=int, default=300)
    options = parser.parse_args()

    run = uuid.uuid4().hex
    database = recreate_database(POSTGRES, "parley_bench_tasks")
    settings = {
        "DATABASE_URL": database,
        "REDIS_URL": REDIS_URL,
        "CELERY_QUEUE": f"parley-bench-{run}",
        "LINK_PREVIEW_ALLOWED_NETWORKS": f"{PAGE_HOST}/32",
        "PARLEY_INSTANCE_PATH": str(ROOT / "instance" / "bench-tasks"),
    }
    env = {**os.environ, **settings}
    subprocess.run([Path(sys.executable).with_name("parley"), "db", "upgrade"], env=env, check=True)
    config = type(
        "BenchConfig",
        (DevelopmentConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database.replace("postgresql://", "postgresql+psycopg://"),
            "REDIS_URL": REDIS_URL,
            "CELERY_QUEUE": settings["CELERY_QUEUE"],
            "SERVES_SOCKETS": False,
            "INSTANCE_PATH": settings["PARLEY_INSTANCE_PATH"],
        },
    )
    app = create_app(config)
    celery = app.extensions["celery"]
    queue = redis.Redis.from_url(REDIS_URL)

    def drained() -> bool:
        return queue.llen(settings["CELERY_QUEUE"]) == 0 and queue.hlen("unacked") == 0

    results: dict[str, tuple[int, float]] = {}
    with serving(PAGE_HOST, {"/page": html_page("A page", "Its description")}) as site:
        with app.app_context():
            author = db.session.scalar(select(User)) or _make_author()
            room = channels.default_channel()
            ids = [
                messages.post_message(author.id, room.id, f"see {site.url('/page')}?n={n}").id
                for n in range(options.previews)
            ]
            db.session.commit()
            # Posting queued their previews already: clear them, to time them alone.
        queue.delete(settings["CELERY_QUEUE"])
        worker = subprocess.Popen(worker_command(concurrency=2), env=env, cwd=ROOT)
        try:
            celery.send_task("celery.accumulate", args=[0])  # the worker is up once it ran
            wait_until(drained, "warm-up")

            start = time.monotonic()
            for n in range(options.tasks):
                celery.send_task("celery.accumulate", args=[n])
            results["trivial (celery.accumulate)"] = (
                options.tasks,
                wait_until(drained, "trivial") - start,
            )

            with app.app_context():
                start = time.monotonic()
                for message_id in ids:
                    preview_links.delay(message_id)

                def previewed() -> bool:
                    db.session.rollback()
                    count = db.session.scalar(
                        select(func.count()).where(Message.previews.is_not(None))
                    )
                    return count == len(ids)

                results["link preview (local page)"] = (
                    len(ids),
                    wait_until(previewed, "previews") - start,
                )
        finally:
            worker.terminate()
            worker.wait(timeout=30)

    lines = [
        "# Job queue throughput",
        "",
        f"Command: `.venv/bin/python bench/tasks.py --tasks {options.tasks} "
        f"--previews {options.previews}` ({time.strftime('%Y-%m-%d')}, 2 cores). Broker: Redis; "
        "one Celery worker with 2 processes; timed from the first task sent to the last done.",
        "",
        "| task | tasks | seconds | tasks/s |",
        "|---|---|---|---|",
    ]
    for name, (count, seconds) in results.items():
        lines.append(f"| {name} | {count} | {seconds:.2f} | {count / seconds:.0f} |")
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
    print(REPORT.read_text())


def _make_author() -> User:
    from parley.services import users

    author = users.create_user("bench-author", "bench-password")
    db.session.commit()
    return author


if __name__ == "__main__":
    main()
