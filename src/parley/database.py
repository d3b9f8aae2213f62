"""Engine set-up that depends on the database in use."""

from typing import Any

from flask import Flask
from sqlalchemy import Engine, event

from parley.extensions import db


def _tune_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite leaves foreign keys off unless asked; WAL lets readers work while one writes,
    # and busy_timeout makes a second process wait for the lock instead of failing.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def init_app(app: Flask) -> None:
    """Tune SQLite connections as they open (PostgreSQL needs nothing)."""
    with app.app_context():
        engine: Engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
