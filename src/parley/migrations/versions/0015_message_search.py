"""Full-text search of messages: a stored tsvector column of the source with a GIN index
on PostgreSQL, an FTS5 table kept by triggers on SQLite.

The column, not an index over the expression: ANALYZE keeps statistics of its words, so
the planner tells a rare word (read the index) from a common one (walk the newest
messages), and checking a row is reading its vector, not parsing its text again.

Revision ID: 0015_message_search
Revises: 0014_presence_away
Create Date: 2026-12-01

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_message_search"
down_revision = "0014_presence_away"
branch_labels = None
depends_on = None

TSVECTOR = "to_tsvector('english', source)"  # parley.services.search.LANGUAGE


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE messages ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({TSVECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE messages_fts USING fts5("
        "source, content='messages', content_rowid='id', tokenize='porter unicode61')"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN "
        "INSERT INTO messages_fts(rowid, source) VALUES (new.id, new.source); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, source) "
        "VALUES ('delete', old.id, old.source); END"
    )
    op.execute(
        "CREATE TRIGGER messages_fts_update AFTER UPDATE OF source ON messages BEGIN "
        "INSERT INTO messages_fts(messages_fts, rowid, source) "
        "VALUES ('delete', old.id, old.source); "
        "INSERT INTO messages_fts(rowid, source) VALUES (new.id, new.source); END"
    )
    op.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_messages_search_vector")
        op.execute("ALTER TABLE messages DROP COLUMN search_vector")
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER messages_fts_{trigger}")
    op.execute("DROP TABLE messages_fts")
