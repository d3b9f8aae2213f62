"""API tokens: issue, authenticate, revoke, clean up."""

from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, delete, or_, select, update

from parley.extensions import db
from parley.models import Token, TokenKind, User
from parley.models.base import utcnow
from parley.security import derive_token, hash_token, new_token_salt, tokens_match
from parley.services import presence


def issue_api_token(user: User) -> str:
    """The user's v1 token: the same one until it is revoked (Flack's contract)."""
    token = db.session.scalar(
        select(Token).where(
            Token.user_id == user.id, Token.kind == TokenKind.API, Token.revoked_at.is_(None)
        )
    )
    if token is not None and token.salt is not None:
        secret = derive_token(token.salt)
        if tokens_match(token.token_hash, secret):
            return secret
        # The secret key changed since this token was issued: it can no longer be
        # presented, so retire it and issue a new one.
        token.revoked_at = utcnow()
    salt = new_token_salt()
    secret = derive_token(salt)
    db.session.add(
        Token(user_id=user.id, kind=TokenKind.API, token_hash=hash_token(secret), salt=salt)
    )
    db.session.commit()
    return secret


def authenticate(secret: str, kinds: tuple[TokenKind, ...] = (TokenKind.API,)) -> Token | None:
    """The live token of one of these kinds a secret belongs to; its user counts as seen."""
    token: Token | None = db.session.scalar(
        _token_by_hash(kinds), {"token_hash": hash_token(secret)}
    )
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= utcnow():
        return None
    presence.mark_seen(token.user)  # every authenticated call is a ping, as in Flack
    return token


@cache
def _token_by_hash(kinds: tuple[TokenKind, ...]) -> Select[Token]:
    """The look-up of every authenticated request, built once per set of kinds."""
    return select(Token).where(Token.token_hash == bindparam("token_hash"), Token.kind.in_(kinds))


def revoke(token: Token) -> None:
    """Revoke one token and commit."""
    token.revoked_at = utcnow()
    db.session.commit()


def revoke_all(user: User) -> None:
    """Revoke every live token of the user, inside the caller's transaction."""
    db.session.execute(
        update(Token)
        .where(Token.user_id == user.id, Token.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def delete_dead_before(moment: datetime) -> int:
    """Delete tokens revoked or expired before `moment`; return how many.

    Dead tokens are kept until then, so a replayed one is recognised as revoked.
    """
    deleted = db.session.execute(
        delete(Token).where(or_(Token.revoked_at < moment, Token.expires_at < moment))
    )
    db.session.commit()
    return int(deleted.rowcount)  # type: ignore[attr-defined]
