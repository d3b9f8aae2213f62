"""Pinned messages: a channel's members pin what matters (an owner, in a private
channel); every pin and unpin is a change of the channel, at its next seq."""

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import ColumnElement, func, select

from parley.changes import events
from parley.extensions import db
from parley.models import ChannelKind, EventKind, MemberRole, Membership, Message
from parley.models.base import utcnow
from parley.services import channels, history
from parley.services.errors import ConflictError, ForbiddenError
from parley.services.messages import visible_message


def set_pinned(user_id: int, channel_id: int, message_id: int, pinned: bool) -> Message:
    """Pin or unpin a message; doing what is done already changes nothing."""
    message = visible_message(user_id, channel_id, message_id)
    channel = channels.get_channel(channel_id)
    member = db.session.get(Membership, (channel_id, user_id))
    if member is None:
        raise ForbiddenError("only members of a channel pin its messages")
    if channel.kind == ChannelKind.PRIVATE and member.role != MemberRole.OWNER:
        raise ForbiddenError("in a private channel, only its owners pin messages")
    if (message.pinned_at is not None) == pinned:
        return message
    if pinned:
        most = current_app.config["PINS_PER_CHANNEL_MAX"]
        if _pin_count(channel_id) >= most:
            raise ConflictError("message_id", f"The channel has {most} pinned messages already.")
        message.pinned_at, message.pinned_by = utcnow(), user_id
    else:
        message.pinned_at = message.pinned_by = None
    kind = EventKind.MESSAGE_PINNED if pinned else EventKind.MESSAGE_UNPINNED
    seq = history.record(channel_id, kind, message_id=message.id, user_id=user_id)
    change = events.MessagePinned if pinned else events.MessageUnpinned
    events.publish_on_commit(change(message.id, channel_id, seq, user_id))
    return message


def pinned_messages(reader_id: int, channel_id: int) -> Sequence[Message]:
    """The channel's pinned messages, the latest pinned first (at most the maximum)."""
    channels.check_visible(reader_id, channel_id)
    return db.session.scalars(
        select(Message)
        .where(*_pinned_in(channel_id))
        .order_by(Message.pinned_at.desc(), Message.id.desc())
        .limit(current_app.config["PINS_PER_CHANNEL_MAX"])
    ).all()


def _pin_count(channel_id: int) -> int:
    return db.session.scalar(select(func.count(Message.id)).where(*_pinned_in(channel_id))) or 0


def _pinned_in(channel_id: int) -> tuple[ColumnElement[bool], ...]:
    """What makes a message one of the channel's pins: pinned, and not deleted."""
    return (
        Message.channel_id == channel_id,
        Message.pinned_at.is_not(None),
        Message.deleted_at.is_(None),
    )
