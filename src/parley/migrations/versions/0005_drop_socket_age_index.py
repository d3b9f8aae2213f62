"""Sockets are forgotten by sign-in, not by age: the index on connected_at goes.

Revision ID: 0005_drop_socket_age_index
Revises: 0004_socket_sessions
Create Date: 2026-11-24

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_drop_socket_age_index"
down_revision = "0004_socket_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("socket_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_socket_sessions_connected_at"))


def downgrade():
    with op.batch_alter_table("socket_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_socket_sessions_connected_at"), ["connected_at"], unique=False
        )
