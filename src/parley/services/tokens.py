"""API tokens: issue, authenticate, revoke, clean up."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, delete, or_, select, update

from parley.changes import unit_of_work
from parley.extensions import db
from parley.models import Token, TokenKind
from parley.models.base import utcnow
from parley.read_cache import USER_TOKENS, invalidate, read_cache
from parley.security import derive_token, hash_token, new_token_salt, tokens_match
from parley.services import presence


def issue_api_token(user_id: int) -> str:
    """The user's v1 token: the same one until it is revoked (Flack's contract)."""
    token = db.session.scalar(
        select(Token).where(
            Token.user_id == user_id, Token.kind == TokenKind.API, Token.revoked_at.is_(None)
        )
    )
    if token is not None and token.salt is not None:
        secret = derive_token(token.salt)
        if tokens_match(token.token_hash, secret):
            return secret
        # The secret key changed since this token was issued: it can no longer be
        # handed out, so retire it and issue a new one.
        token.revoked_at = utcnow()
    salt = new_token_salt()
    secret = derive_token(salt)
    db.session.add(
        Token(user_id=user_id, kind=TokenKind.API, token_hash=hash_token(secret), salt=salt)
    )
    if token is not None:  # retired: its old secret is refused from every cache too
        unit_of_work.after_commit(lambda: invalidate(USER_TOKENS, user_id))
    return secret


def authenticate(
    secret: str, kinds: tuple[TokenKind, ...] = (TokenKind.API,), *, active: bool = True
) -> Token | None:
    """The live token of one of these kinds a secret belongs to; its user counts as seen
    (and active, unless a client connecting by itself presents it)."""
    token: Token | None = db.session.scalar(
        _token_by_hash(kinds), {"token_hash": hash_token(secret)}
    )
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    presence.mark_seen(token.user, active=active)  # every call is a ping, as in Flack
    return token


@dataclass(frozen=True)
class Bearer:
    """A live token as a request or socket event needs it: whose, until when."""

    token_id: int
    user_id: int
    expires_at: datetime | None
    # The user's presence needs no write before this (PRESENCE_PING_INTERVAL).
    seen_until: datetime


def authenticate_bearer(secret: str, kind: TokenKind) -> Bearer | None:
    """The live token of this kind a secret belongs to, from this process's read cache
    while it holds it; its user counts as seen.

    A cached token is dropped when it is revoked, or its user's sessions or presence
    change, so a revoked one is refused at once here and within milliseconds in every
    process.
    """
    token_hash = hash_token(secret)
    key = (kind.value, token_hash)
    cached = read_cache()
    if cached is not None:
        bearer: Bearer | None = cached.get(key)
        now = utcnow()
        if bearer is not None and now < bearer.seen_until:
            if bearer.expires_at is None or now < bearer.expires_at:
                return bearer
            return None
        stamp = cached.stamp(USER_TOKENS)
    token = authenticate(secret, (kind,))
    if token is None:
        return None
    interval = timedelta(seconds=current_app.config["PRESENCE_PING_INTERVAL"])
    bearer = Bearer(token.id, token.user_id, token.expires_at, token.user.last_seen_at + interval)
    if cached is not None:
        cached.put(key, bearer, USER_TOKENS, token.user_id, stamp)
    return bearer


@cache
def _token_by_hash(kinds: tuple[TokenKind, ...]) -> Select[Token]:
    """The look-up of every authenticated request, built once per set of kinds."""
    return select(Token).where(Token.token_hash == bindparam("token_hash"), Token.kind.in_(kinds))


def revoke(token: Token) -> None:
    """Revoke one token; once that commits, no process accepts it from its cache."""
    token.revoked_at = utcnow()
    user_id = token.user_id
    unit_of_work.after_commit(lambda: invalidate(USER_TOKENS, user_id))


def revoke_all(user_id: int) -> None:
    """Revoke every live token of the user, inside the caller's transaction."""
    db.session.execute(
        update(Token)
        .where(Token.user_id == user_id, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def delete_dead_before(moment: datetime) -> int:
    """Delete tokens revoked or expired before `moment`; return how many.

    Dead tokens are kept until then, so a replayed one is recognised as revoked.
    """
    deleted = db.session.execute(
        delete(Token).where(or_(Token.revoked_at < moment, Token.expires_at < moment))
    )
    return int(deleted.rowcount)  # type: ignore[attr-defined]
