"""The thread index holds replies only: (thread_root_id, seq) where thread_root_id is set.

Every query that reads it asks for one thread's replies. Whole, it also matched
"thread_root_id IS NULL AND seq > marker", and a planner without statistics (a young
or freshly loaded database) counted each channel's unread messages through it, walking
every message of the table once per channel (bench/README.md, "The browser client").

Revision ID: 0016_partial_thread_index
Revises: 0015_message_search
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_partial_thread_index"
down_revision = "0015_message_search"
branch_labels = None
depends_on = None

INDEX = "ix_messages_thread_root_id_seq"
REPLIES = sa.text("thread_root_id IS NOT NULL")


def upgrade():
    op.drop_index(INDEX, table_name="messages")
    op.create_index(
        INDEX,
        "messages",
        ["thread_root_id", "seq"],
        postgresql_where=REPLIES,
        sqlite_where=REPLIES,
    )


def downgrade():
    op.drop_index(INDEX, table_name="messages")
    op.create_index(INDEX, "messages", ["thread_root_id", "seq"])
