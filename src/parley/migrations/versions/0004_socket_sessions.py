"""API v2 sockets: the registry of connected /v2 sockets.

Revision ID: 0004_socket_sessions
Revises: 0003_api_v2
Create Date: 2026-11-24

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_socket_sessions"
down_revision = "0003_api_v2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "socket_sessions",
        sa.Column("sid", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_socket_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sid", name=op.f("pk_socket_sessions")),
    )
    with op.batch_alter_table("socket_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_socket_sessions_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_socket_sessions_family"), ["family"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_socket_sessions_connected_at"), ["connected_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("socket_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_socket_sessions_connected_at"))
        batch_op.drop_index(batch_op.f("ix_socket_sessions_family"))
        batch_op.drop_index(batch_op.f("ix_socket_sessions_user_id"))
    op.drop_table("socket_sessions")
