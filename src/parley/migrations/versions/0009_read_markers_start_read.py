"""Read markers count from here: every existing membership starts with its channel read.

Until now nothing moved a marker, so every one is 0 and all of history would count as
unread. Joining now puts the marker at the join; existing members get the channel's last
seq, as if they had read everything said before the upgrade.

Revision ID: 0009_read_markers_start_read
Revises: 0008_outbox_events
Create Date: 2026-12-01

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_read_markers_start_read"
down_revision = "0008_outbox_events"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE memberships SET last_read_seq = "
        "(SELECT channels.last_seq FROM channels WHERE channels.id = memberships.channel_id) "
        "WHERE last_read_seq = 0"
    )


def downgrade():
    """Markers keep their values: a count of 0 where there was none loses nothing."""
