"""Reactions: the emoji members reacted to a message with, aggregated on the message.

Revision ID: 0012_reactions
Revises: 0011_mentions
Create Date: 2026-12-01

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_reactions"
down_revision = "0011_mentions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("reactions", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("reactions")
