"""The registry of connected API v2 sockets, shared by every instance."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, UTCDateTime, utcnow


class SocketSession(Base):
    """A /v2 socket: whose it is and which sign-in it came with.

    Any process can then act on sockets it does not hold: add a new member's sockets
    to the channel's room, take a removed member's out, disconnect a signed-out
    session. The change's event reaches every web process through the outbox and its
    relay (parley.changes.relay), and the process that holds the socket acts on it.
    """

    __tablename__ = "socket_sessions"

    sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family: Mapped[str] = mapped_column(String(32), index=True)
    connected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SocketSession {self.sid} user={self.user_id}>"
