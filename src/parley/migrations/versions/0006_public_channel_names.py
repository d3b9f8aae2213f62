"""Only public channel names are unique: a private channel's name must not reveal itself.

Revision ID: 0006_public_channel_names
Revises: 0005_drop_socket_age_index
Create Date: 2026-11-30

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_public_channel_names"
down_revision = "0005_drop_socket_age_index"
branch_labels = None
depends_on = None

PUBLIC = sa.text("kind = 'public'")


def upgrade():
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_channels_name"), type_="unique")
    op.create_index(
        "uq_channels_public_name",
        "channels",
        ["name"],
        unique=True,
        postgresql_where=PUBLIC,
        sqlite_where=PUBLIC,
    )


def downgrade():
    op.drop_index("uq_channels_public_name", table_name="channels")
    with op.batch_alter_table("channels", schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f("uq_channels_name"), ["name"])
