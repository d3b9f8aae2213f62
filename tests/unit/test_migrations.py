"""The migrations build the models' schema from an empty database, both ways."""

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from parley.app import create_app
from parley.extensions import db
from parley.models import DEFAULT_CHANNEL_NAME, Channel, ChannelKind
from parley.services.search import SEARCH_OBJECTS
from tests.conftest import DATABASES, config_for, dispose_engine, recreate_postgres_database


@pytest.fixture(params=DATABASES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return recreate_postgres_database("parley_test_migrations")


def include_object(obj: object, name: str | None, *args: object) -> bool:
    """The search migration's index and FTS5 tables are outside the models on purpose."""
    return not (name or "").startswith(SEARCH_OBJECTS)


def test_upgrade_from_empty_matches_the_models_and_seeds_the_default_channel(
    empty_database: str,
) -> None:
    app = create_app(config_for(empty_database))
    with app.app_context():
        upgrade()

        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, db.metadata)
        channel = db.session.scalar(select(Channel).where(Channel.name == DEFAULT_CHANNEL_NAME))

        assert diff == []
        assert channel is not None
        assert channel.kind == ChannelKind.PUBLIC
        assert channel.last_seq == 0
        assert channel.created_at.tzinfo is not None
        db.session.remove()

        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert "messages" in inspect(db.engine).get_table_names()
        dispose_engine()
