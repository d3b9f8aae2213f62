"""Messages posted in channels."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parley.models.base import Base, UTCDateTime, utcnow
from parley.models.channel import Channel
from parley.models.user import User

MESSAGE_MAX_LENGTH = 4000
CLIENT_MSG_ID_MAX_LENGTH = 64


class Message(Base):
    """Markdown source, its sanitized HTML, and its place (seq) in its channel."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("channel_id", "seq"),
        # A retransmitted send finds the original instead of storing a second row. The
        # id is the client's for one channel, as Matrix scopes a txnId to its room.
        UniqueConstraint("user_id", "channel_id", "client_msg_id"),
        Index("ix_messages_channel_id_updated_at", "channel_id", "updated_at"),
        Index("ix_messages_channel_id_pinned_at", "channel_id", "pinned_at"),
        # Replies only (migration 0016): whole, the index also matched the unread
        # counts' "thread_root_id IS NULL AND seq > marker", and without statistics the
        # planner walked it once per channel.
        Index(
            "ix_messages_thread_root_id_seq",
            "thread_root_id",
            "seq",
            postgresql_where=text("thread_root_id IS NOT NULL"),
            sqlite_where=text("thread_root_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    client_msg_id: Mapped[str | None] = mapped_column(String(CLIENT_MSG_ID_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Pinned to the channel by a member (an owner in a private channel); None: not pinned.
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pinned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Link previews, set by a background job: [{"url", "title", "description"}] as plain
    # text, escaped wherever they are shown. None until the job ran for this source.
    previews: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # A reply's thread: the message it replies to (a root, never a reply); None: not a reply.
    thread_root_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE")
    )
    # On a root: its live replies, and when the latest was posted.
    reply_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Members' reactions, aggregated: [{"emoji", "user_ids"}] in the order each emoji was
    # first used, kept by parley.services.reactions; None: none.
    reactions: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    author: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])
    channel: Mapped[Channel] = relationship(lazy="raise")

    @property
    def reaction_counts(self) -> list[dict[str, Any]]:
        """Each emoji reacted with, how many reacted with it, and who."""
        return [
            {"emoji": r["emoji"], "count": len(r["user_ids"]), "user_ids": r["user_ids"]}
            for r in self.reactions or []
        ]

    @property
    def found_previews(self) -> list[dict[str, Any]]:
        """The link previews found so far: none until the job ran."""
        return self.previews or []

    def __repr__(self) -> str:
        return f"<Message {self.id} channel={self.channel_id} seq={self.seq}>"
