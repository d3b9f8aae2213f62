"""Users: who can sign in and post."""

from datetime import datetime

from sqlalchemy import Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, UTCDateTime, utcnow

NICKNAME_MAX_LENGTH = 32


class User(Base):
    """A person with a unique nickname, a password hash and a presence state."""

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_updated_at_nickname", "updated_at", "nickname"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nickname: Mapped[str] = mapped_column(String(NICKNAME_MAX_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # Presence: online while seen within PRESENCE_TIMEOUT (a request, a socket's
    # heartbeat); away while online but not active (input, a write) for
    # PRESENCE_AWAY_SECONDS; offline otherwise. parley.services.presence keeps them.
    online: Mapped[bool] = mapped_column(default=False)
    away: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def presence(self) -> str:
        """ "online", "away" or "offline"."""
        if not self.online:
            return "offline"
        return "away" if self.away else "online"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.nickname!r}>"
