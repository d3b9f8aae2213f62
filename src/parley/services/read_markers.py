"""Read markers: how far each member has read a channel, and how many messages after
that are unread (others' messages, not deleted), and how many of those name the member.

A count is always taken in one statement with the channel's last seq, its `as_of_seq`:
a client adds to it the messages it learns of past that seq, and nothing twice
(docs/realtime-v2.md, "Read markers").
"""

from dataclasses import dataclass

from sqlalchemy import select, update

from parley.changes import events
from parley.extensions import db
from parley.models import Channel, Membership
from parley.services import channels
from parley.services.channels import unread_count_of
from parley.services.errors import ForbiddenError, InvalidError
from parley.services.mentions import mention_count_of


@dataclass(frozen=True)
class ReadState:
    """A member's read marker in a channel, and what is unread after it."""

    channel_id: int
    last_read_seq: int
    unread_count: int
    as_of_seq: int
    mention_count: int


def read_state(user_id: int, channel_id: int) -> ReadState | None:
    """The user's read state in a channel they belong to; None if they do not."""
    row = db.session.execute(
        select(
            Membership.last_read_seq,
            unread_count_of(user_id),
            Channel.last_seq,
            mention_count_of(user_id),
        )
        .join(Channel, Channel.id == Membership.channel_id)
        .where(Membership.channel_id == channel_id, Membership.user_id == user_id)
    ).one_or_none()
    if row is None:
        return None
    last_read_seq, unread, as_of_seq, mentions = row
    return ReadState(channel_id, last_read_seq, unread, as_of_seq, mentions)


def mark_read(user_id: int, channel_id: int, seq: int) -> ReadState:
    """Move the user's marker forward to `seq` (never back); their sockets are told."""
    channel = channels.visible_channel(user_id, channel_id)
    if seq > channel.last_seq:
        raise InvalidError("seq", f"The channel's last seq is {channel.last_seq}.")
    moved = db.session.execute(
        update(Membership)
        .where(
            Membership.channel_id == channel_id,
            Membership.user_id == user_id,
            Membership.last_read_seq < seq,
        )
        .values(last_read_seq=seq)
        .returning(Membership.last_read_seq)
    ).first()
    state = read_state(user_id, channel_id)
    if state is None:
        raise ForbiddenError("only members of a channel have a read marker in it")
    if moved is not None:
        events.publish_on_commit(
            events.ReadMarkerMoved(
                user_id,
                channel_id,
                state.last_read_seq,
                state.unread_count,
                state.as_of_seq,
                state.mention_count,
            )
        )
    return state
