"""A mention an edit drops is kept as withdrawn: restored by a later edit, it counts
again without notifying its member a second time.

Revision ID: 0017_mentions_withdrawn
Revises: 0016_partial_thread_index
Create Date: 2026-12-07

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_mentions_withdrawn"
down_revision = "0016_partial_thread_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mentions") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.execute("DELETE FROM mentions WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("withdrawn_at")
