"""Messages: post, edit, look up, list."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from parley import events
from parley.extensions import db
from parley.models import Channel, Message, User
from parley.rendering import render_markdown
from parley.services import channels
from parley.services.errors import ForbiddenError, NotFoundError


def post_message(
    author: User, channel: Channel, source: str, *, client_msg_id: str | None = None
) -> Message:
    """Add a message at the channel's next seq; a repeated client_msg_id returns the original."""
    if not channels.is_member(author, channel):
        raise ForbiddenError("only members of a channel can post in it")
    if client_msg_id is not None:
        original = _find_by_client_msg_id(author, client_msg_id)
        if original is not None:
            return original
    message = Message(
        channel_id=channel.id,
        seq=channels.next_seq(channel.id),
        user_id=author.id,
        source=source,
        html=render_markdown(source),
        client_msg_id=client_msg_id,
    )
    db.session.add(message)
    try:
        db.session.commit()
    except IntegrityError:
        # A concurrent retransmission of the same send won the unique index.
        db.session.rollback()
        original = _find_by_client_msg_id(author, client_msg_id) if client_msg_id else None
        if original is None:
            raise
        return original
    events.publish(events.MessagePosted(message.id, message.channel_id, message.seq))
    return message


def edit_message(message: Message, editor: User, source: str) -> None:
    """Replace a message's source; only its author may."""
    if message.user_id != editor.id:
        raise ForbiddenError("only the author can edit a message")
    message.source = source
    message.html = render_markdown(source)
    db.session.commit()
    events.publish(events.MessageEdited(message.id, message.channel_id))


def get_message(channel: Channel, message_id: int) -> Message:
    """A message of the channel that has not been deleted."""
    message = db.session.get(Message, message_id)
    if message is None or message.channel_id != channel.id or message.deleted_at is not None:
        raise NotFoundError(f"message {message_id} not found")
    return message


def list_changed_from(channel: Channel, since: datetime) -> Sequence[Message]:
    """The channel's live messages changed at or after `since`, oldest change first."""
    return db.session.scalars(
        select(Message)
        .where(
            Message.channel_id == channel.id,
            Message.updated_at >= since,
            Message.deleted_at.is_(None),
        )
        .order_by(Message.updated_at, Message.id)
    ).all()


def _find_by_client_msg_id(author: User, client_msg_id: str) -> Message | None:
    return db.session.scalar(
        select(Message).where(Message.user_id == author.id, Message.client_msg_id == client_msg_id)
    )
