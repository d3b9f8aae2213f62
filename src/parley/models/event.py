"""The per-channel event log: what resuming clients replay."""

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, UTCDateTime, enum_type, utcnow


class EventKind(enum.StrEnum):
    """What happened in a channel; the Socket.IO event names of API v2."""

    MESSAGE_POSTED = "message_posted"
    MESSAGE_EDITED = "message_edited"
    MESSAGE_DELETED = "message_deleted"
    MESSAGE_PINNED = "message_pinned"
    MESSAGE_UNPINNED = "message_unpinned"
    REACTION_ADDED = "reaction_added"
    REACTION_REMOVED = "reaction_removed"
    THREAD_UPDATED = "thread_updated"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"


class ChannelEvent(Base):
    """One change in a channel, at the channel's next seq.

    Every seq a channel hands out has exactly one row here, so a client that saw
    seq N replays N+1, N+2 ... with no gap. The payload is not stored: replay shows
    the current state of the message or member the event is about.
    """

    __tablename__ = "channel_events"
    __table_args__ = (Index("ix_channel_events_created_at", "created_at"),)

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind, length=32))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    # The member who joined or left; for message events, the author.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ChannelEvent {self.channel_id}:{self.seq} {self.kind}>"
