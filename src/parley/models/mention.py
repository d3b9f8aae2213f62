"""Mentions: who a message names, for their mentions list and mention counts."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, UTCDateTime, utcnow


class Mention(Base):
    """A member named by a message (by nickname, @channel or @here), at its seq.

    Rows go with the message: an edit makes them what the new text names (a name it
    drops is kept as withdrawn, so that restoring it does not notify its member again),
    and a deletion takes them away.
    """

    __tablename__ = "mentions"
    __table_args__ = (
        # A member's mentions list, newest first, and their count past a read marker.
        Index("ix_mentions_user_id_channel_id_seq", "user_id", "channel_id", "seq"),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set while an edit has dropped the name: the mention neither counts nor is listed.
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Mention user={self.user_id} message={self.message_id}>"
