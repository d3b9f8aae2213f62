"""Which v2 sockets are connected, wherever they are: the registry that lets any
process move a socket between rooms or disconnect it."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.extensions import Base
from parley.models.base import UTCDateTime, utcnow


class SocketSession(Base):
    """A connected /v2 socket: its Socket.IO sid, its user and its sign-in (token family).

    A socket lives in one process, but a membership change or a logout can happen in
    any: they find the sockets here and act through the Socket.IO message queue.
    """

    __tablename__ = "socket_sessions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SocketSession {self.sid} user={self.user_id}>"
