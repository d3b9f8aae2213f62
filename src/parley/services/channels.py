"""Channels and memberships."""

from flask import current_app
from sqlalchemy import select, update

from parley.extensions import db
from parley.models import DEFAULT_CHANNEL_NAME, Channel, ChannelKind, Membership, User

_DEFAULT_CHANNEL_KEY = "parley.default_channel_id"


def default_channel() -> Channel:
    """The public channel that API v1's single room maps onto (created by a migration)."""
    channel = db.session.get(Channel, default_channel_id())
    assert channel is not None  # migrations create it and nothing deletes it
    return channel


def default_channel_id() -> int:
    """The default channel's id, looked up once per process: it never changes."""
    cached: int | None = current_app.extensions.get(_DEFAULT_CHANNEL_KEY)
    if cached is None:
        cached = db.session.scalar(
            select(Channel.id).where(
                Channel.name == DEFAULT_CHANNEL_NAME, Channel.kind == ChannelKind.PUBLIC
            )
        )
        if cached is None:
            raise RuntimeError(
                f"the default channel {DEFAULT_CHANNEL_NAME!r} is missing: run `parley db upgrade`"
            )
        current_app.extensions[_DEFAULT_CHANNEL_KEY] = cached
    return cached


def is_member(user: User, channel: Channel) -> bool:
    """Whether the user belongs to the channel."""
    return db.session.get(Membership, (channel.id, user.id)) is not None


def add_member(user: User, channel: Channel) -> None:
    """Add the user to the channel within the caller's transaction (no commit)."""
    if db.session.get(Membership, (channel.id, user.id)) is None:
        db.session.add(Membership(channel_id=channel.id, user_id=user.id))


def next_seq(channel_id: int) -> int:
    """Take the channel's next sequence number.

    The UPDATE locks the channel row until commit, so concurrent posts in one
    channel get consecutive numbers in commit order (PostgreSQL row lock; SQLite
    serialises all writers anyway).
    """
    seq: int = db.session.execute(
        update(Channel)
        .where(Channel.id == channel_id)
        .values(last_seq=Channel.last_seq + 1)
        .returning(Channel.last_seq)
    ).scalar_one()
    return seq
