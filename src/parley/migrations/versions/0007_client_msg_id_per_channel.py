"""A client_msg_id is unique per author and channel, as docs/realtime-v2.md says.

Revision ID: 0007_client_msg_id_per_channel
Revises: 0006_public_channel_names
Create Date: 2026-11-30

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_client_msg_id_per_channel"
down_revision = "0006_public_channel_names"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_messages_user_id_client_msg_id"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_messages_user_id_channel_id_client_msg_id"),
            ["user_id", "channel_id", "client_msg_id"],
        )


def downgrade():
    # Ids reused in another channel would collide: the older scope cannot come back
    # while such rows exist, so their ids are cleared first.
    op.execute(
        "UPDATE messages SET client_msg_id = NULL WHERE id NOT IN ("
        " SELECT min(id) FROM messages WHERE client_msg_id IS NOT NULL"
        " GROUP BY user_id, client_msg_id)"
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_messages_user_id_channel_id_client_msg_id"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_messages_user_id_client_msg_id"), ["user_id", "client_msg_id"]
        )
