"""API tokens, stored only as SHA-256 hashes."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parley.models.base import Base, UTCDateTime, enum_type, utcnow
from parley.models.user import User


class TokenKind(enum.StrEnum):
    """What a token is for."""

    API = "api"  # v1's long-lived bearer token, one live token per user
    ACCESS = "access"  # v2: short-lived, authenticates requests and sockets
    REFRESH = "refresh"  # v2: single use, trades itself for a new access/refresh pair


class Token(Base):
    """A bearer credential; the secret itself is never stored."""

    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TokenKind] = mapped_column(enum_type(TokenKind))
    # SHA-256 of the token, hex: what a presented token is looked up by.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Random salt from which the v1 token is derived again with the app's secret key,
    # so that POST /api/tokens can answer "the same token until revoked" without
    # storing it: a copy of the database alone reveals no usable token.
    salt: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # v2: every token of one sign-in (a session) shares a family. Presenting a spent
    # refresh token again means it was stolen: the whole family is revoked.
    family: Mapped[str | None] = mapped_column(String(32), index=True)
    # v2 refresh tokens: when this one was traded for the next pair.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Token {self.id} {self.kind} user={self.user_id}>"
