"""The registry of connected API v2 sockets: who holds which socket, on any instance."""

from datetime import datetime

from sqlalchemy import delete, exists, select

from parley.extensions import db
from parley.models import SocketSession, Token
from parley.services.errors import UnauthorizedError


def register(sid: str, token: Token) -> None:
    """Remember a socket that connected with this access token."""
    assert token.family is not None  # v2 access tokens always belong to a sign-in
    db.session.add(SocketSession(sid=sid, user_id=token.user_id, family=token.family))


def unregister(sid: str) -> None:
    """Forget a socket that went away."""
    db.session.execute(delete(SocketSession).where(SocketSession.sid == sid))


def user_of(sid: str) -> int:
    """The user of a socket while its sign-in lasts (a sign-out forgets the socket)."""
    user_id: int | None = db.session.scalar(
        select(SocketSession.user_id).where(SocketSession.sid == sid)
    )
    if user_id is None:
        raise UnauthorizedError("This session has ended; connect again.")
    return user_id


def sids_of_user(user_id: int) -> list[str]:
    """Every socket the user holds, on any instance."""
    return list(
        db.session.scalars(select(SocketSession.sid).where(SocketSession.user_id == user_id))
    )


def forget_sessions(user_id: int, family: str | None = None) -> tuple[str, ...]:
    """Forget the sockets of one sign-in (or of all the user's), in the caller's
    transaction; return their sids, for the relays to disconnect after its commit."""
    condition = SocketSession.user_id == user_id
    if family is not None:
        condition &= SocketSession.family == family
    return tuple(
        db.session.scalars(delete(SocketSession).where(condition).returning(SocketSession.sid))
    )


def forget_ended(now: datetime) -> int:
    """Forget sockets whose sign-in has ended (no token of it is live); return how many.

    A socket is forgotten when it disconnects, but not when its instance is killed:
    those rows go once their sign-in ends. A socket still connected then has outlived
    its session, and its next post_message is answered 401.
    """
    live_token = exists().where(
        Token.family == SocketSession.family,
        Token.revoked_at.is_(None),
        Token.expires_at > now,
    )
    deleted = db.session.execute(delete(SocketSession).where(~live_token))
    return int(deleted.rowcount)  # type: ignore[attr-defined]
