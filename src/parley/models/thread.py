"""Threads followed: whose replies a member is told of, and how far they have read them."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, UTCDateTime, utcnow


class ThreadFollow(Base):
    """A member following a thread (its root message), with their read marker in it: the
    seq of the last reply they have read."""

    __tablename__ = "thread_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    root_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id", ondelete="CASCADE"))
    last_read_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ThreadFollow user={self.user_id} root={self.root_id}>"
