"""Channels and memberships: public, private and direct channels, who is in them."""

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ScalarSelect, Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from parley.changes import events, unit_of_work
from parley.extensions import db
from parley.models import (
    DEFAULT_CHANNEL_NAME,
    Channel,
    ChannelKind,
    EventKind,
    MemberRole,
    Membership,
    Message,
    User,
)
from parley.read_cache import CHANNEL_READERS, read_cache
from parley.services import history
from parley.services.errors import ConflictError, ForbiddenError, NotFoundError
from parley.services.mentions import mention_count_of
from parley.services.races import conflict_if_taken, insert_or_find

_DEFAULT_CHANNEL_KEY = "parley.default_channel_id"


@dataclass(frozen=True)
class ChannelView:
    """A channel as one user sees it: with their membership, if they have one.

    Not a tuple: a view returns (body, status), and a tuple body would read as one.
    """

    channel: Channel
    membership: Membership | None
    # Others' messages after the member's read marker, among those up to channel.last_seq
    # as read in the same statement, and how many of them name the member; None for a
    # non-member.
    unread_count: int | None = None
    mention_count: int | None = None


NAME_TAKEN = "A public channel with this name already exists."


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


def membership(user: User, channel: Channel) -> Membership | None:
    """The user's membership of the channel, if any."""
    return db.session.get(Membership, (channel.id, user.id))


def is_member(user: User, channel: Channel) -> bool:
    """Whether the user belongs to the channel."""
    return membership(user, channel) is not None


def member_channel_ids(user_id: int) -> list[int]:
    """The ids of every channel the user belongs to."""
    return list(
        db.session.scalars(select(Membership.channel_id).where(Membership.user_id == user_id))
    )


def visible_channel(user_id: int, channel_id: int) -> Channel:
    """A channel the user may see: public, or one they belong to.

    Anything else is "not found", so that a private channel's existence stays private.
    """
    return _visible_channel(user_id, channel_id)


def joined_channel(user_id: int, channel_id: int) -> Channel:
    """A channel the user belongs to: "not found" if they may not see it, "forbidden"
    (join it first) if they may but have not joined."""
    channel = _visible_channel(user_id, channel_id)
    if db.session.get(Membership, (channel.id, user_id)) is None:
        raise ForbiddenError("Join the channel first.")
    return channel


def get_channel(channel_id: int) -> Channel:
    """A channel by id, for callers that have checked that the user may see it."""
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        raise NotFoundError(f"channel {channel_id} not found")
    return channel


def check_visible(user_id: int, channel_id: int) -> None:
    """Raise "not found" unless the user may see the channel, as visible_channel does.

    A yes is kept in the read cache until the channel's membership changes (a
    channel's kind never does), so the hottest reads skip two queries.
    """
    key = ("reader", channel_id, user_id)
    cached = read_cache()
    if cached is None:
        _visible_channel(user_id, channel_id)
        return
    if cached.get(key):
        return
    stamp = cached.stamp(CHANNEL_READERS)
    _visible_channel(user_id, channel_id)
    cached.put(key, True, CHANNEL_READERS, channel_id, stamp)


def _visible_channel(user_id: int, channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None or (
        channel.kind != ChannelKind.PUBLIC
        and db.session.get(Membership, (channel_id, user_id)) is None
    ):
        raise NotFoundError(f"channel {channel_id} not found")
    return channel


def view_of(user_id: int, channel_id: int) -> ChannelView:
    """A channel the user may see, with their membership and unread and mention counts,
    read afresh ("not found" for a channel they may not see, as visible_channel)."""
    row = db.session.execute(
        _views_for(user_id)
        .where(Channel.id == channel_id)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if row is None or (row[0].kind != ChannelKind.PUBLIC and row[1] is None):
        raise NotFoundError(f"channel {channel_id} not found")
    return _view(*row)


def channels_of(user_id: int) -> list[ChannelView]:
    """Every channel the user may see, with their membership and unread and mention counts
    where they have one (one statement, so each count goes with the last_seq it counted
    up to)."""
    rows = db.session.execute(
        _views_for(user_id)
        .where(or_(Channel.kind == ChannelKind.PUBLIC, Membership.user_id.is_not(None)))
        .order_by(Channel.id)
        .execution_options(populate_existing=True)
    ).all()
    return [_view(*row) for row in rows]


def _views_for(user_id: int) -> Select[Channel, Membership, int, int]:
    return select(
        Channel, Membership, unread_count_of(user_id), mention_count_of(user_id)
    ).outerjoin(
        Membership, and_(Membership.channel_id == Channel.id, Membership.user_id == user_id)
    )


def _view(channel: Channel, member: Membership | None, unread: int, mentions: int) -> ChannelView:
    if member is None:
        return ChannelView(channel, None)
    return ChannelView(channel, member, unread, mentions)


def unread_count_of(user_id: int) -> ScalarSelect[int]:
    """Others' messages, not deleted and not replies, after the read marker of the
    Membership row of the enclosing query (0 where there is none)."""
    return (
        select(func.count(Message.id))
        .where(
            Message.channel_id == Membership.channel_id,
            Message.seq > Membership.last_read_seq,
            Message.user_id != user_id,
            Message.deleted_at.is_(None),
            Message.thread_root_id.is_(None),  # replies count in their thread
        )
        .correlate(Membership)
        .scalar_subquery()
    )


def members_of(user_id: int, channel_id: int) -> Sequence[Membership]:
    """The memberships of a channel the user may see, oldest first."""
    channel = _visible_channel(user_id, channel_id)
    return db.session.scalars(
        select(Membership)
        .where(Membership.channel_id == channel.id)
        .order_by(Membership.joined_at, Membership.user_id)
    ).all()


def create_channel(creator_id: int, name: str, kind: ChannelKind, topic: str = "") -> Channel:
    """A new public or private channel, its creator its owner and first member."""
    if kind == ChannelKind.DIRECT:
        raise ValueError("direct channels are opened with open_direct()")
    # Only public names are unique (see models.channel); a private channel's tells nothing.
    taken = select(Channel.id).where(Channel.name == name, Channel.kind == ChannelKind.PUBLIC)
    if kind == ChannelKind.PUBLIC and db.session.scalar(taken) is not None:
        raise ConflictError("name", NAME_TAKEN)
    creator = _user(creator_id)
    channel = Channel(kind=kind, name=name, topic=topic, created_by_id=creator.id)
    with conflict_if_taken("name", NAME_TAKEN):
        db.session.add(channel)
        db.session.flush()
        add_member(creator, channel, MemberRole.OWNER)
    return channel


def open_direct(user_id: int, other_id: int) -> tuple[Channel, bool]:
    """The one direct channel of these two users, created on first use; (channel, created).
    "Not found" if the other user does not exist."""
    user, other = _user(user_id), _user(other_id)
    if other.id == user.id:
        raise ConflictError("user_id", "A direct channel needs another user.")
    key = direct_key(user.id, other.id)
    existing = db.session.scalar(select(Channel).where(Channel.dm_key == key))
    if existing is not None:
        return existing, False

    def create() -> Channel:
        channel = Channel(kind=ChannelKind.DIRECT, dm_key=key, created_by_id=user.id)
        db.session.add(channel)
        db.session.flush()
        for member in (user, other):
            add_member(member, channel)
        return channel

    def opened_meanwhile() -> Channel | None:
        # The other user opened it at the same moment: theirs is the one.
        return db.session.scalar(select(Channel).where(Channel.dm_key == key))

    return insert_or_find(create, opened_meanwhile)


def direct_key(user_id: int, other_id: int) -> str:
    """The pair's key, the same whoever opens the channel."""
    low, high = sorted((user_id, other_id))
    return f"{low}:{high}"


def join(user_id: int, channel_id: int) -> ChannelView:
    """Join a public channel the user may see (again: nothing changes); the user's view
    of it."""
    user, channel = _user(user_id), _visible_channel(user_id, channel_id)
    if channel.kind != ChannelKind.PUBLIC:
        raise ForbiddenError("private and direct channels are joined by invitation")
    _admit(user, channel)
    return view_of(user.id, channel.id)


def invite(inviter_id: int, channel_id: int, invitee_id: int) -> bool:
    """A member adds another user to a public or private channel; False if already in."""
    inviter, channel = _user(inviter_id), _visible_channel(inviter_id, channel_id)
    invitee = _user(invitee_id)
    if channel.kind == ChannelKind.DIRECT:
        raise ForbiddenError("a direct channel is between its two users only")
    if not is_member(inviter, channel):
        raise ForbiddenError("only members can invite to a channel")
    return _admit(invitee, channel)


def _leave(user: User, channel: Channel) -> None:
    """Leave a channel; the default and direct channels cannot be left."""
    if channel.kind == ChannelKind.DIRECT or channel.id == default_channel_id():
        raise ForbiddenError("this channel cannot be left")
    _dismiss(user, channel)


def remove(remover_id: int, channel_id: int, member_id: int) -> None:
    """An owner of a channel the remover may see removes a member (themselves included,
    as leaving)."""
    remover, channel = _user(remover_id), _visible_channel(remover_id, channel_id)
    member = _user(member_id)
    if member.id == remover.id:
        _leave(remover, channel)
        return
    own = membership(remover, channel)
    if own is None or own.role != MemberRole.OWNER:
        raise ForbiddenError("only an owner of the channel can remove members")
    if channel.id == default_channel_id():
        raise ForbiddenError("nobody is removed from the default channel")
    _dismiss(member, channel)


def add_member(user: User, channel: Channel, role: MemberRole = MemberRole.MEMBER) -> int | None:
    """Add the user to the channel within the caller's transaction (no commit), its
    member_joined event staged for that commit. Returns the event's seq, or None if the
    user was a member already.
    """
    if membership(user, channel) is not None:
        return None
    member = Membership(channel_id=channel.id, user_id=user.id, role=role)
    db.session.add(member)
    seq = history.record(channel.id, EventKind.MEMBER_JOINED, user_id=user.id)
    member.last_read_seq = seq  # what was said before joining is not "unread"
    events.publish_on_commit(events.MemberJoined(channel.id, user.id, seq))
    return seq


def _user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFoundError(f"user {user_id} not found")
    return user


def _admit(user: User, channel: Channel) -> bool:
    try:
        with unit_of_work.savepoint():
            seq = add_member(user, channel)
            db.session.flush()
    except IntegrityError:  # a concurrent join of the same user won: undo this one only
        return False
    return seq is not None


def _dismiss(user: User, channel: Channel) -> None:
    gone = membership(user, channel)
    if gone is None:
        raise NotFoundError(f"user {user.id} is not a member of channel {channel.id}")
    db.session.delete(gone)
    seq = history.record(channel.id, EventKind.MEMBER_LEFT, user_id=user.id)
    # Its sockets leave the room when the relays deliver this, before any later event.
    events.publish_on_commit(events.MemberLeft(channel.id, user.id, seq))
