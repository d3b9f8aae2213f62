"""Users: who can sign in and post."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.extensions import Base
from parley.models.base import UTCDateTime, utcnow

NICKNAME_MAX_LENGTH = 32


class User(Base):
    """A person with a unique nickname, a password hash and a presence state."""

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_updated_at_nickname", "updated_at", "nickname"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nickname: Mapped[str] = mapped_column(String(NICKNAME_MAX_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    online: Mapped[bool] = mapped_column(default=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.nickname!r}>"
