"""Pinned messages: when and by whom a message was pinned to its channel.

Revision ID: 0010_pinned_messages
Revises: 0009_read_markers_start_read
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_pinned_messages"
down_revision = "0009_read_markers_start_read"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("pinned_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_messages_pinned_by_users", "users", ["pinned_by"], ["id"], ondelete="SET NULL"
        )
        batch.create_index("ix_messages_channel_id_pinned_at", ["channel_id", "pinned_at"])


def downgrade():
    with op.batch_alter_table("messages") as batch:
        batch.drop_index("ix_messages_channel_id_pinned_at")
        batch.drop_constraint("fk_messages_pinned_by_users", type_="foreignkey")
        batch.drop_column("pinned_by")
        batch.drop_column("pinned_at")
