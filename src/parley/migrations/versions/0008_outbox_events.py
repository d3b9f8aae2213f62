"""The outbox: domain events written with the change, pushed by every web process's relay.

Revision ID: 0008_outbox_events
Revises: 0007_client_msg_id_per_channel
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_outbox_events"
down_revision = "0007_client_msg_id_per_channel"
branch_labels = None
depends_on = None


def upgrade():
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        # The writing transaction, by which a reader knows a position is final.
        sa.Column(
            "txid",
            sa.BigInteger(),
            server_default=sa.text("txid_current()") if postgres else None,
            nullable=True,
        ),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_position", ["txid", "id"], unique=False)
        batch_op.create_index(
            "ix_outbox_events_channel_id_seq", ["channel_id", "seq"], unique=False
        )
        batch_op.create_index("ix_outbox_events_created_at", ["created_at"], unique=False)


def downgrade():
    op.drop_table("outbox_events")
