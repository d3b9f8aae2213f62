"""Threads: replies to a message, their count on the root, and threads followed.

Revision ID: 0013_threads
Revises: 0012_reactions
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_threads"
down_revision = "0012_reactions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("thread_root_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("reply_count", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_reply_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            "fk_messages_thread_root_id_messages",
            "messages",
            ["thread_root_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_index("ix_messages_thread_root_id_seq", ["thread_root_id", "seq"])
    op.create_table(
        "thread_follows",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("root_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("last_read_seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["root_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "root_id"),
    )
    op.create_index("ix_thread_follows_root_id", "thread_follows", ["root_id"])


def downgrade():
    op.drop_index("ix_thread_follows_root_id", table_name="thread_follows")
    op.drop_table("thread_follows")
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_thread_root_id_seq")
        batch.drop_constraint("fk_messages_thread_root_id_messages", type_="foreignkey")
        batch.drop_column("last_reply_at")
        batch.drop_column("reply_count")
        batch.drop_column("thread_root_id")
