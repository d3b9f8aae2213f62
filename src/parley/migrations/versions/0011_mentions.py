"""Mentions: the members a message names.

Revision ID: 0011_mentions
Revises: 0010_pinned_messages
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_mentions"
down_revision = "0010_pinned_messages"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mentions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["channel_id"], ["channels.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "message_id"),
    )
    op.create_index("ix_mentions_message_id", "mentions", ["message_id"])
    op.create_index(
        "ix_mentions_user_id_channel_id_seq", "mentions", ["user_id", "channel_id", "seq"]
    )


def downgrade():
    op.drop_index("ix_mentions_user_id_channel_id_seq", table_name="mentions")
    op.drop_index("ix_mentions_message_id", table_name="mentions")
    op.drop_table("mentions")
