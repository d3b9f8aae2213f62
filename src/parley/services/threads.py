"""Threads: replies to a message (its root), the root's reply count and last reply, the
thread read a page at a time, and threads followed with their unread replies.

A reply is a message of the channel at the channel's next seq, like any other, so resume
covers it; the change it makes to its root is a `thread_updated` event at the seq after
it. Replies stay out of the channel's history pages and unread counts: they are read in
their thread. The root's author and everyone who replies follow the thread.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import ScalarSelect, delete, func, select, update

from parley.changes import events
from parley.extensions import db
from parley.models import Channel, Membership, Message, ThreadFollow
from parley.services import channels
from parley.services.errors import ForbiddenError, InvalidError, NotFoundError
from parley.services.messages import get_message, visible_message
from parley.services.replies import follow_thread


@dataclass(frozen=True)
class ThreadState:
    """A follower's place in a thread: the last reply read, and others' replies after it
    among those up to the channel's seq `as_of_seq` (one snapshot)."""

    channel_id: int
    root_id: int
    last_read_seq: int
    unread_count: int
    as_of_seq: int


@dataclass(frozen=True)
class FollowedThread:
    """A thread the user follows: its root, and their state in it."""

    root: Message
    state: ThreadState


def thread_page(
    reader_id: int, channel_id: int, root_id: int, *, after: int | None, limit: int
) -> tuple[Message, Sequence[Message], bool]:
    """A thread's root, up to `limit` live replies after seq `after` (the first ones
    without it) oldest first, and whether there are more."""
    root = visible_message(reader_id, channel_id, root_id)
    if root.thread_root_id is not None:
        raise NotFoundError(f"message {root_id} is a reply, not a thread")
    query = (
        select(Message)
        .where(Message.thread_root_id == root_id, Message.deleted_at.is_(None))
        .order_by(Message.seq)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(Message.seq > after)
    found = db.session.scalars(query).all()
    return root, found[:limit], len(found) > limit


def set_following(user_id: int, channel_id: int, root_id: int, following: bool) -> ThreadState:
    """Follow or stop following a thread of a channel the user belongs to; their state."""
    root = _member_root(user_id, channel_id, root_id)
    if following:
        # Following from now: what was said before is not news.
        follow_thread(user_id, channel_id, root.id, read_up_to=_last_reply_seq(root.id))
    else:
        db.session.execute(
            delete(ThreadFollow).where(
                ThreadFollow.user_id == user_id, ThreadFollow.root_id == root.id
            )
        )
    return _state(user_id, channel_id, root.id)


def mark_thread_read(user_id: int, channel_id: int, root_id: int, seq: int) -> ThreadState:
    """Move the follower's marker in a thread forward to `seq`; their sockets are told."""
    root = _member_root(user_id, channel_id, root_id)
    channel = channels.get_channel(channel_id)
    if seq > channel.last_seq:
        raise InvalidError("seq", f"The channel's last seq is {channel.last_seq}.")
    moved = db.session.execute(
        update(ThreadFollow)
        .where(
            ThreadFollow.user_id == user_id,
            ThreadFollow.root_id == root.id,
            ThreadFollow.last_read_seq < seq,
        )
        .values(last_read_seq=seq)
        .returning(ThreadFollow.last_read_seq)
    ).first()
    if db.session.get(ThreadFollow, (user_id, root.id)) is None:
        raise ForbiddenError("follow the thread first")
    state = _state(user_id, channel_id, root.id)
    if moved is not None:
        events.publish_on_commit(
            events.ThreadReadMoved(
                user_id,
                channel_id,
                root.id,
                state.last_read_seq,
                state.unread_count,
                state.as_of_seq,
            )
        )
    return state


def followed_threads(user_id: int) -> list[FollowedThread]:
    """The threads the user follows in channels they belong to, the latest reply first
    (at most THREADS_LIST_MAX), each with their state in it."""
    rows = db.session.execute(
        select(Message, ThreadFollow.last_read_seq, unread_replies_of(user_id), Channel.last_seq)
        .join(ThreadFollow, ThreadFollow.root_id == Message.id)
        .join(Channel, Channel.id == Message.channel_id)
        .join(
            Membership,
            (Membership.channel_id == Message.channel_id) & (Membership.user_id == user_id),
        )
        .where(ThreadFollow.user_id == user_id, Message.deleted_at.is_(None))
        .order_by(Message.last_reply_at.desc().nulls_last(), Message.id.desc())
        .limit(current_app.config["THREADS_LIST_MAX"])
    ).all()
    return [
        FollowedThread(root, ThreadState(root.channel_id, root.id, read, unread, as_of))
        for root, read, unread, as_of in rows
    ]


def unread_replies_of(user_id: int) -> ScalarSelect[int]:
    """Others' live replies after the ThreadFollow row of the enclosing query."""
    return (
        select(func.count(Message.id))
        .where(
            Message.thread_root_id == ThreadFollow.root_id,
            Message.seq > ThreadFollow.last_read_seq,
            Message.user_id != user_id,
            Message.deleted_at.is_(None),
        )
        .correlate(ThreadFollow)
        .scalar_subquery()
    )


def _state(user_id: int, channel_id: int, root_id: int) -> ThreadState:
    row = db.session.execute(
        select(ThreadFollow.last_read_seq, unread_replies_of(user_id), Channel.last_seq)
        .select_from(ThreadFollow)
        .join(Channel, Channel.id == ThreadFollow.channel_id)
        .where(ThreadFollow.user_id == user_id, ThreadFollow.root_id == root_id)
    ).one_or_none()
    if row is None:  # not followed: nothing is unread
        last_seq = channels.get_channel(channel_id).last_seq
        return ThreadState(channel_id, root_id, last_seq, 0, last_seq)
    read, unread, as_of = row
    return ThreadState(channel_id, root_id, read, unread, as_of)


def _member_root(user_id: int, channel_id: int, root_id: int) -> Message:
    """A live root message of a channel the user belongs to."""
    channels.visible_channel(user_id, channel_id)
    if db.session.get(Membership, (channel_id, user_id)) is None:
        raise ForbiddenError("only members of a channel follow its threads")
    root = get_message(channel_id, root_id)
    if root.thread_root_id is not None:
        raise NotFoundError(f"message {root_id} is a reply, not a thread")
    return root


def _last_reply_seq(root_id: int) -> int:
    return (
        db.session.scalar(
            select(func.coalesce(func.max(Message.seq), 0)).where(Message.thread_root_id == root_id)
        )
        or 0
    )
