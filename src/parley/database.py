"""Engine set-up that depends on the database in use."""

import contextlib
import os
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event

from parley.extensions import db

# The SQLite file holds password hashes and messages: the server's user alone reads it.
PRIVATE_FILE, PRIVATE_FOLDER = 0o600, 0o700


def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys off unless asked; WAL lets readers work while one writes,
    # and busy_timeout makes a second process wait for the lock instead of failing.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def init_app(app: Flask) -> None:
    """Tune SQLite connections as they open (PostgreSQL needs nothing), and keep a
    SQLite file private."""
    with app.app_context():
        engine: Engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
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
