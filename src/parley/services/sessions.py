"""API v2 sign-ins: a short-lived access token and a rotating refresh token per session.

Every token of one sign-in shares a family. A refresh token is spent when traded for
the next pair; presenting a spent one again means two parties hold it, so the whole
family is revoked and its sockets disconnected (OAuth 2.0 Security BCP, section 4.14).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from parley.changes import events
from parley.extensions import db
from parley.models import Token, TokenKind
from parley.models.base import utcnow
from parley.security import hash_token, new_family, new_secret
from parley.services import sockets
from parley.services.errors import UnauthorizedError

INVALID_REFRESH = "The refresh token is not valid; sign in again."


@dataclass(frozen=True)
class TokenPair:
    """What a sign-in or a refresh hands out; the secrets exist only here."""

    access_token: str
    access_expires_at: datetime
    refresh_token: str
    refresh_expires_at: datetime


def sign_in(user_id: int) -> TokenPair:
    """Start a session: a new family with its first pair."""
    return _issue_pair(user_id, new_family())


def refresh(secret: str) -> TokenPair:
    """Trade a live refresh token for the next pair of its family.

    A spent, revoked, expired or unknown token is refused; a spent one also revokes
    its family. The trade is one conditional UPDATE, so two concurrent trades of the
    same token cannot both win: the loser is treated as the reuse it is.
    """
    now = utcnow()
    token = db.session.scalar(
        select(Token).where(Token.token_hash == hash_token(secret), Token.kind == TokenKind.REFRESH)
    )
    if token is None or token.revoked_at is not None or _expired(token, now):
        raise UnauthorizedError(INVALID_REFRESH)
    assert token.family is not None  # every refresh token belongs to a family
    spent = db.session.execute(
        update(Token)
        .where(Token.id == token.id, Token.used_at.is_(None), Token.revoked_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        revoke_family(token.user_id, token.family)
        # The request fails, and its unit of work with it; the revocation must stand.
        db.session.commit()
        raise UnauthorizedError(INVALID_REFRESH)
    return _issue_pair(token.user_id, token.family)


def revoke_family(user_id: int, family: str) -> None:
    """End the user's session: revoke every token of the family and disconnect its sockets."""
    db.session.execute(
        update(Token)
        .where(Token.user_id == user_id, Token.family == family, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    sids = sockets.forget_sessions(user_id, family)
    events.publish_on_commit(events.SessionRevoked(user_id, family, sids))


def _issue_pair(user_id: int, family: str) -> TokenPair:
    """Add an access and a refresh token to the family, in the caller's transaction."""
    now = utcnow()
    config = current_app.config
    access, refresh_secret = new_secret(), new_secret()
    pair = TokenPair(
        access_token=access,
        access_expires_at=now + timedelta(seconds=config["ACCESS_TOKEN_SECONDS"]),
        refresh_token=refresh_secret,
        refresh_expires_at=now + timedelta(seconds=config["REFRESH_TOKEN_SECONDS"]),
    )
    for kind, secret, expires_at in (
        (TokenKind.ACCESS, access, pair.access_expires_at),
        (TokenKind.REFRESH, refresh_secret, pair.refresh_expires_at),
    ):
        db.session.add(
            Token(
                user_id=user_id,
                kind=kind,
                token_hash=hash_token(secret),
                family=family,
                expires_at=expires_at,
            )
        )
    return pair


def _expired(token: Token, now: datetime) -> bool:
    return token.expires_at is not None and token.expires_at <= now
