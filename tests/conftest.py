"""Fixtures: an app per database (SQLite and PostgreSQL), a client, and factories.

Every API test runs once on each database. Each database is migrated from empty
once per session; SQLite tests then get a fresh copy of that file, PostgreSQL
tests get their rows deleted afterwards.
"""

import functools
import gc
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from parley.app import create_app
from parley.config import TestingConfig
from parley.config import database_url as sqlalchemy_url
from parley.extensions import db
from tests.api_v2.v2 import Caller
from tests.factories import make_user
from tests.topology import recreate_database
from tests.v2_sockets import V2Socket

POSTGRES_SERVER = os.environ.get("PARLEY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
POSTGRES_DATABASE = "parley_test"
REDIS_URL = os.environ.get("PARLEY_TEST_REDIS", "redis://127.0.0.1:6379/15")
DATABASES = os.environ.get("PARLEY_TEST_DATABASES", "sqlite,postgresql").split(",")


def config_for(database_url: str, **settings: object) -> type[TestingConfig]:
    """A TestingConfig subclass pointing at one database."""
    return type(
        "TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **settings}
    )


def migrate_from_empty(database_url: str) -> None:
    """Run every migration on an empty database, as `parley db upgrade` does."""
    app = create_app(config_for(database_url))
    with app.app_context():
        upgrade()
        dispose_engine()


def dispose_engine(wait: float = 5.0) -> None:
    """Close the current app's pooled connections, once those still checked out (by a
    socket's replay thread, say) have come back.

    A connection handed back after the dispose would go to the old pool, which nobody
    closes: the garbage collector would find it still open, at a moment nobody chose,
    and its ResourceWarning would fail whatever test runs then.
    """
    pool = db.engine.pool
    checked_out = getattr(pool, "checkedout", lambda: 0)
    deadline = time.monotonic() + wait
    while checked_out() and time.monotonic() < deadline:
        time.sleep(0.01)
    db.engine.dispose()


def migrated_postgres_database(name: str) -> str:
    """A fresh PostgreSQL database, migrated: a copy of a template migrated once per run
    (the copy takes a fraction of a second, migrating a new database seconds); return
    its SQLAlchemy URL."""
    return sqlalchemy_url(recreate_database(POSTGRES_SERVER, name, template=_migrated_template()))


@functools.cache
def _migrated_template() -> str:
    """The name of the database migrated from empty that fresh ones copy."""
    name = "parley_test_migrated"
    migrate_from_empty(sqlalchemy_url(recreate_database(POSTGRES_SERVER, name)))
    return name


def recreate_postgres_database(name: str) -> str:
    """Drop and create a PostgreSQL database; return its SQLAlchemy URL."""
    return sqlalchemy_url(recreate_database(POSTGRES_SERVER, name))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated from empty, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    migrate_from_empty(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL database migrated from empty for this session (a copy of the
    template the test servers' databases copy: the migrations run once)."""
    return migrated_postgres_database(POSTGRES_DATABASE)


def delete_rows() -> None:
    """Empty every table but keep the default channel the migration created."""
    for statement in (
        "DELETE FROM socket_sessions",
        "DELETE FROM channel_events",
        "DELETE FROM outbox_events",
        "DELETE FROM messages",
        "DELETE FROM memberships",
        "DELETE FROM tokens",
        "DELETE FROM channels WHERE name IS NULL OR name <> 'general'",
        "DELETE FROM users",
        "UPDATE channels SET last_seq = 0",
    ):
        db.session.execute(db.text(statement))
    db.session.commit()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a migrated, empty database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "parley.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture
def settings() -> dict[str, object]:
    """Extra config for the app under test; override in a module to change it."""
    return {}


@pytest.fixture
def app(database_url: str, settings: dict[str, object]) -> Iterator[Flask]:
    """The app under test, inside an app context."""
    app = create_app(config_for(database_url, **settings))
    with app.app_context():
        yield app
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":
            delete_rows()
        db.session.remove()
        dispose_engine()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def ada(client: FlaskClient) -> Caller:
    """A signed-in API v2 user, ada."""
    return Caller(client, make_user("ada"))


@pytest.fixture
def bob(client: FlaskClient) -> Caller:
    """A signed-in API v2 user, bob."""
    return Caller(client, make_user("bob"))


@pytest.fixture
def redis_prefix() -> str:
    """A Redis key prefix of this test's own."""
    return f"parley-test-{uuid.uuid4().hex}:"


@pytest.fixture
def opened() -> Iterator[list[V2Socket]]:
    """/v2 sockets a test opened, closed after it."""
    made: list[V2Socket] = []
    yield made
    for socket in made:
        socket.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail the run, naming them, if PostgreSQL connections are still open at its end.

    Left to the interpreter's exit, each would be finalized unclosed at a moment nobody
    chose, and its ResourceWarning (an error here) would turn a green run red after the
    summary; found here, the run fails at once with the databases they belong to.
    """
    gc.collect()
    still_open = [
        connection.info.dbname
        for connection in gc.get_objects()
        if isinstance(connection, psycopg.Connection) and not connection.closed
    ]
    if still_open:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"{len(still_open)} PostgreSQL connections left open: {sorted(still_open)}"
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(message, red=True)
