"""Messages: post, edit, look up, list."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from parley import events
from parley.extensions import db
from parley.models import Channel, Membership, Message, User
from parley.models.base import utcnow
from parley.rendering import render_markdown
from parley.services import channels
from parley.services.errors import ForbiddenError, NotFoundError


def post_message(
    author: User, channel_id: int, source: str, *, client_msg_id: str | None = None
) -> Message:
    """Add a message at the channel's next seq; a repeated client_msg_id returns the original.

    Takes the channel's id, not the channel: posting needs nothing else of it, and
    loading it would cost a round trip on the busiest path there is.
    """
    if client_msg_id is not None:
        original = _find_by_client_msg_id(author, client_msg_id)
        if original is not None:
            return original
    fields = {
        "channel_id": channel_id,
        "user_id": author.id,
        "source": source,
        "html": render_markdown(source),
        "client_msg_id": client_msg_id,
    }
    try:
        message = _store_at_next_seq(fields)
    except IntegrityError:
        # A concurrent retransmission of the same send won the unique index.
        db.session.rollback()
        original = _find_by_client_msg_id(author, client_msg_id) if client_msg_id else None
        if original is None:
            raise
        return original
    if message is None:
        raise ForbiddenError("only members of a channel can post in it")
    events.publish(events.MessagePosted(message.id, message.channel_id, message.seq))
    return message


def edit_message(message: Message, editor: User, source: str) -> None:
    """Replace a message's source; only its author may."""
    if message.user_id != editor.id:
        raise ForbiddenError("only the author can edit a message")
    message.source = source
    message.html = render_markdown(source)
    message.previews = None  # made again for the new source's links
    db.session.commit()
    events.publish(events.MessageEdited(message.id, message.channel_id))


def store_previews(message_id: int, source: str, previews: list[dict[str, Any]]) -> bool:
    """Set the link previews made for `source`; False if the message has moved on.

    Previews replace what was there, so storing the same ones twice stores them once.
    An edit that changed the source since the previews were fetched wins.
    """
    stored = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.source == source, Message.deleted_at.is_(None))
        .values(previews=previews, updated_at=utcnow())
        .returning(Message.channel_id)
    ).scalar_one_or_none()
    db.session.commit()
    if stored is None:
        return False
    if previews:
        events.publish(events.MessageEdited(message_id, stored, source_changed=False))
    return True


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


def _store_at_next_seq(fields: dict[str, Any]) -> Message | None:
    """Store a message at its channel's next seq, committed; None if the author is
    not a member of the channel.

    Seqs follow commit order because taking one locks the channel row until commit.
    On PostgreSQL one autocommitted statement checks the membership, takes the seq and
    inserts, so that lock never waits on this process: a round trip here may wait
    behind a greenlet fanning out an earlier message to thousands of sockets, and every
    other poster in the channel, on every instance, would wait with it. A member who
    leaves concurrently either posts before leaving or not at all.
    """
    channel_id, author_id = fields["channel_id"], fields["user_id"]
    db.session.commit()  # end the read transaction: the next one is the statement alone
    if db.engine.dialect.name != "postgresql":
        # SQLite has no UPDATE inside WITH, and it runs one writer at a time anyway.
        if db.session.get(Membership, (channel_id, author_id)) is None:
            return None
        message = Message(seq=channels.next_seq(channel_id), **fields)
        db.session.add(message)
        db.session.commit()
        return message
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    is_member = (
        select(Membership.user_id)
        .where(Membership.channel_id == channel_id, Membership.user_id == author_id)
        .exists()
    )
    taken = (
        update(Channel)
        .where(Channel.id == channel_id, is_member)
        .values(last_seq=Channel.last_seq + 1)
        .returning(Channel.last_seq)
        .cte("taken")
    )
    now = utcnow()
    values = {**fields, "created_at": now, "updated_at": now}
    columns = Message.__table__.c
    stored = db.session.scalars(
        insert(Message)
        .from_select(
            [*values, "seq"],
            select(
                *(
                    bindparam(name, value, type_=columns[name].type)
                    for name, value in values.items()
                ),
                taken.c.last_seq,
            ),
        )
        .returning(Message)
    ).one_or_none()
    db.session.commit()  # gives the connection back, and its isolation level with it
    return stored


def _find_by_client_msg_id(author: User, client_msg_id: str) -> Message | None:
    return db.session.scalar(
        select(Message).where(Message.user_id == author.id, Message.client_msg_id == client_msg_id)
    )
