"""Engine set-up that depends on the database in use."""

import contextlib
import contextvars
import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import gevent
from alembic import command
from alembic.runtime.migration import MigrationContext
from flask import Flask, current_app
from gevent import monkey
from sqlalchemy import Engine, event, make_url

from parley.extensions import db

# The SQLite file holds password hashes and messages: the server's user alone reads it.
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700
# Where an app on a SQLite file under a gevent server keeps its hub's thread: off_hub
# runs reads on another thread then.
_HUB_THREAD_KEY = "parley.sqlite_hub_thread"
T = TypeVar("T")
_get_ident = monkey.get_original("threading", "get_ident")


def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys off unless asked; WAL lets readers work while one writes,
    # and busy_timeout makes a second process wait for the lock instead of failing.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


# SQLite virtual machine instructions between two looks at the hub: a few hundred
# microseconds of a statement's work.
YIELD_EVERY_INSTRUCTIONS = 20_000


def yield_while_reading(dbapi_connection: Any, hub_thread: int) -> None:
    """Let the gevent hub run other greenlets during this connection's long reads."""
    # A SQLite statement is one C call that never gives the gevent hub a turn: a slow
    # one would stall every request and socket of the process. SQLite calls the handler
    # every so many instructions, and it lets the other greenlets run, as psycopg's wait
    # callback does for PostgreSQL. Only outside a transaction, i.e. in a statement that
    # only reads (pysqlite begins one before the first write): a writer holds SQLite's
    # lock, and another greenlet wanting it would wait in C, the holder never resumed.

    def progress() -> int:
        # Only on the hub's own thread: a native thread has no greenlets to give a turn.
        in_a_greenlet = _get_ident() == hub_thread and gevent.getcurrent() is not gevent.get_hub()
        if in_a_greenlet and not dbapi_connection.in_transaction:
            gevent.sleep(0)
        return 0  # non-zero would interrupt the statement

    dbapi_connection.set_progress_handler(progress, YIELD_EVERY_INSTRUCTIONS)


def off_hub(read: Callable[[], T]) -> T:
    """Run `read` (statements of the current unit of work that only read) where a long
    SQLite statement stalls nobody: on a native thread of the gevent hub's pool when the
    database is a SQLite file under a gevent server, else here."""
    # A SQLite statement is a C call on the calling thread: the progress handler gives the
    # hub turns during it, but the process's one thread still does all of its work, and a
    # user running such reads back to back takes that thread from everyone (the bystander
    # of bench/search_cost.py waited 3x longer). On a native thread the C work runs with
    # the GIL released, as PostgreSQL's runs in its own process while psycopg yields.
    hub_thread = current_app.extensions.get(_HUB_THREAD_KEY)
    if hub_thread is None or _get_ident() != hub_thread or gevent.getcurrent() is gevent.get_hub():
        return read()
    # The connection is taken here, on the hub: the pool waits on gevent's locks. The
    # unit's greenlet waits for the thread, so the session is never used by two at once.
    connection: Any = db.session.connection().connection.driver_connection
    context = contextvars.copy_context()  # the app context, for the session's scope

    def away() -> T:
        # No progress handler there: it gives nothing to a native thread, and each call
        # would wait for the GIL while the hub's thread is busy.
        connection.set_progress_handler(None, 0)
        try:
            return context.run(read)
        finally:
            yield_while_reading(connection, hub_thread)

    result: T = gevent.get_hub().threadpool.apply(away)
    return result


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's options: the configured ones and the pool's size and wait, unless the
    database is an in-memory SQLite (one connection, shared: no pool to size)."""
    options = dict(config["SQLALCHEMY_ENGINE_OPTIONS"])
    url = make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return options
    return {
        "pool_size": config["DATABASE_POOL_SIZE"],
        "max_overflow": config["DATABASE_POOL_OVERFLOW"],
        "pool_timeout": config["DATABASE_POOL_TIMEOUT"],
        **options,
    }


def init_app(app: Flask) -> None:
    """Tune SQLite connections as they open (PostgreSQL needs nothing), let a gevent
    server's other greenlets run during a long read, and keep a SQLite file private."""
    with app.app_context():
        engine: Engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
        if monkey.is_module_patched("socket"):
            hub_thread = _get_ident()
            if engine.url.database and engine.url.database != ":memory:":
                app.extensions[_HUB_THREAD_KEY] = hub_thread
            event.listen(
                engine,
                "connect",
                lambda connection, record: yield_while_reading(connection, hub_thread),
            )
        if engine.url.database and engine.url.database != ":memory:":
            make_private(app, engine.url.database)


def make_private(app: Flask, path: str) -> None:
    """Create the SQLite file 0600 (SQLite gives its -wal and -shm files the same mode)
    in a 0700 instance folder; tighten them if they already exist."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, mode=PRIVATE_FOLDER, exist_ok=True)
    if os.path.abspath(folder) == os.path.abspath(app.instance_path):
        os.chmod(folder, PRIVATE_FOLDER)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    for name in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(name, PRIVATE_FILE)


def upgrade(app: Flask) -> str:
    """Migrate the database to the newest revision, quietly; say what was done."""
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        config.attributes["configure_logger"] = False  # migrations/env.py: no INFO lines
        before = _revision()
        command.upgrade(config, "head")
        after = _revision()
        where = db.engine.url.render_as_string()  # passwords hidden
    done = "up to date" if before == after else f"migrated to revision {after}"
    return f"database {where} {done}"


def _revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
