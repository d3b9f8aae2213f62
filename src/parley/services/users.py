"""Users: sign-up, profile changes, look-ups."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from parley.changes import events, unit_of_work
from parley.extensions import db
from parley.models import User
from parley.security import hash_password, password_needs_rehash, verify_password
from parley.services import channels, presence, sockets, tokens
from parley.services.errors import ConflictError, ForbiddenError, NotFoundError
from parley.services.races import conflict_if_taken

NICKNAME_TAKEN = "This nickname is already taken."


def create_user(nickname: str, password: str) -> User:
    """Sign a user up and make them a member of the default channel."""
    if _nickname_taken(nickname):
        raise ConflictError("nickname", NICKNAME_TAKEN)
    unit_of_work.release_connection()  # the hash may wait for its slot
    user = User(nickname=nickname, password_hash=hash_password(password))
    with conflict_if_taken("nickname", NICKNAME_TAKEN):
        db.session.add(user)
        db.session.flush()
        events.publish_on_commit(events.UserCreated(user.id))
        channels.add_member(user, channels.default_channel())
    return user


def update_user(
    actor_id: int, user_id: int, *, nickname: str | None = None, password: str | None = None
) -> User:
    """Change a user's nickname and/or password, as that user (nobody changes another's);
    a new password revokes every token."""
    user = get_user(user_id)
    if user.id != actor_id:
        raise ForbiddenError("you can only change your own user")
    if password is not None:
        unit_of_work.release_connection()  # nothing written yet; the hash may wait
        password_hash = hash_password(password)
    if nickname is not None and nickname != user.nickname:
        if _nickname_taken(nickname):
            raise ConflictError("nickname", NICKNAME_TAKEN)
        user.nickname = nickname
    if password is not None:
        user.password_hash = password_hash
        tokens.revoke_all(user.id)
    events.publish_on_commit(events.UserUpdated(user.id))
    if password is not None:  # every session ended: their sockets go too
        sids = sockets.forget_sessions(user.id)
        events.publish_on_commit(events.SessionRevoked(user.id, sids=sids))
    with conflict_if_taken("nickname", NICKNAME_TAKEN):
        db.session.flush()
    return user


def get_user(user_id: int) -> User:
    """The user with this id."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} not found")
    return user


def find_by_nickname(nickname: str) -> User | None:
    """The user with this nickname, if any."""
    return db.session.scalar(select(User).where(User.nickname == nickname))


def list_users(
    *, online: bool | None = None, changed_from: datetime | None = None
) -> Sequence[User]:
    """Users ordered by (updated_at, nickname), optionally filtered."""
    query = select(User).order_by(User.updated_at, User.nickname)
    if online is not None:
        query = query.where(User.online == online)
    if changed_from is not None:
        query = query.where(User.updated_at >= changed_from)
    return db.session.scalars(query).all()


def search_users(prefix: str, *, after: str | None, limit: int) -> tuple[Sequence[User], bool]:
    """Up to `limit` users whose nickname starts with `prefix` in any case, in nickname
    order after `after` (a keyset page), and whether more follow. `%` and `_` match only
    themselves."""
    query = select(User).where(User.nickname.istartswith(prefix, autoescape=True))
    if after is not None:
        query = query.where(User.nickname > after)
    found = db.session.scalars(query.order_by(User.nickname).limit(limit + 1)).all()
    return found[:limit], len(found) > limit


def _nickname_taken(nickname: str) -> bool:
    return db.session.scalar(select(User.id).where(User.nickname == nickname)) is not None


def authenticate(nickname: str, password: str) -> User | None:
    """The user these credentials belong to, who counts as seen.

    A hash made with weaker parameters than the current ones is upgraded.
    """
    # No stored nickname holds NUL, and PostgreSQL refuses to even compare one.
    user = find_by_nickname(nickname) if nickname and "\x00" not in nickname else None
    # The check may wait for a hashing slot: it holds no database connection meanwhile,
    # whether the nickname exists or not (the same path, so the same time for both).
    unit_of_work.release_connection()
    if user is None:
        verify_password(None, password)  # the same work as for a real user: no timing oracle
        return None
    if not verify_password(user.password_hash, password):
        return None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    presence.mark_seen(user)  # every authenticated call is a ping, as in Flack
    return user
