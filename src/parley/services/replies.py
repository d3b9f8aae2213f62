"""Replies, as posting and deleting see them: a reply's root is checked, counts it, and
is a change of the channel; whoever replies follows the thread (parley.services.threads
reads and follows them)."""

from sqlalchemy import update

from parley.changes import events
from parley.extensions import db
from parley.models import EventKind, Message, ThreadFollow
from parley.services import history
from parley.services.errors import InvalidError


def check_root(channel_id: int, root_id: int) -> None:
    """400 naming `thread_root_id` unless it is a live message of the channel that is not
    a reply itself (a thread has one level)."""
    root = db.session.get(Message, root_id)
    if root is None or root.channel_id != channel_id or root.deleted_at is not None:
        raise InvalidError("thread_root_id", "No such message in this channel.")
    if root.thread_root_id is not None:
        raise InvalidError(
            "thread_root_id", f"A reply; reply in its thread: {root.thread_root_id}."
        )


def replied(reply: Message) -> None:
    """A reply was stored, in this transaction: its root counts it, members are told, and
    its author and the root's follow the thread (the author has read it to here)."""
    assert reply.thread_root_id is not None
    root_author = db.session.execute(
        update(Message)
        .where(Message.id == reply.thread_root_id)
        .values(reply_count=Message.reply_count + 1, last_reply_at=reply.created_at)
        .returning(Message.user_id)
    ).scalar_one()
    _root_changed(reply)
    follow_thread(root_author, reply.channel_id, reply.thread_root_id, read_up_to=0)
    follow_thread(reply.user_id, reply.channel_id, reply.thread_root_id, read_up_to=reply.seq)


def reply_deleted(reply: Message) -> None:
    """A reply was deleted, in this transaction: its root counts one fewer."""
    assert reply.thread_root_id is not None
    db.session.execute(
        update(Message)
        .where(Message.id == reply.thread_root_id)
        .values(reply_count=Message.reply_count - 1)
    )
    _root_changed(reply)


def _root_changed(reply: Message) -> None:
    assert reply.thread_root_id is not None
    seq = history.record(
        reply.channel_id,
        EventKind.THREAD_UPDATED,
        message_id=reply.thread_root_id,
        user_id=reply.user_id,
    )
    events.publish_on_commit(
        events.ThreadUpdated(reply.thread_root_id, reply.channel_id, seq, reply.user_id)
    )


def follow_thread(user_id: int, channel_id: int, root_id: int, *, read_up_to: int) -> bool:
    """Follow a thread (nothing if followed already); its replies up to seq `read_up_to`
    count as read. Whether the user follows it now and did not before."""
    followed = db.session.get(ThreadFollow, (user_id, root_id))
    if followed is not None:
        followed.last_read_seq = max(followed.last_read_seq, read_up_to)
        return False
    db.session.add(
        ThreadFollow(
            user_id=user_id, root_id=root_id, channel_id=channel_id, last_read_seq=read_up_to
        )
    )
    db.session.flush()
    return True
