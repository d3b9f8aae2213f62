"""Channels and who belongs to them."""

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, UTCDateTime, enum_type, utcnow

DEFAULT_CHANNEL_NAME = "general"
CHANNEL_NAME_MAX_LENGTH = 80


class ChannelKind(enum.StrEnum):
    """Who may see a channel."""

    PUBLIC = "public"
    PRIVATE = "private"
    DIRECT = "direct"


class MemberRole(enum.StrEnum):
    """What a member may do in a channel."""

    MEMBER = "member"
    OWNER = "owner"


class Channel(Base):
    """A conversation; API v1's single room is the public channel named 'general'."""

    __tablename__ = "channels"
    __table_args__ = (
        # A public channel's name is its handle, unique among public channels. Private
        # channels may share a name with any channel: were it unique, creating one would
        # tell anybody whether a hidden channel of that name exists.
        Index(
            "uq_channels_public_name",
            "name",
            unique=True,
            postgresql_where=text("kind = 'public'"),
            sqlite_where=text("kind = 'public'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ChannelKind] = mapped_column(enum_type(ChannelKind))
    # Direct channels have no name.
    name: Mapped[str | None] = mapped_column(String(CHANNEL_NAME_MAX_LENGTH))
    topic: Mapped[str] = mapped_column(String(250), default="")
    # "<low user id>:<high user id>" for direct channels: one channel per pair.
    dm_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The last sequence number handed out; every channel event takes the next one.
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set by the services when name, topic or kind change; taking a seq is not an update.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Channel {self.id} {self.kind} {self.name!r}>"


class Membership(Base):
    """A user's place in a channel, with how far they have read."""

    __tablename__ = "memberships"

    channel_id: Mapped[int] = mapped_column(
        ForeignKey("channels.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[MemberRole] = mapped_column(enum_type(MemberRole), default=MemberRole.MEMBER)
    last_read_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
