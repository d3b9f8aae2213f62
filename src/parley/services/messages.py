"""Messages: post, edit, delete, look up, page through; each as a user, whose access it
checks (a channel the user may not see is "not found", as if it did not exist)."""

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import Select, bindparam, select, update

from parley import read_cache
from parley.changes import events, unit_of_work
from parley.extensions import db
from parley.models import EventKind, Message
from parley.models.base import utcnow
from parley.services import channels, history, mentions, message_store, replies
from parley.services.errors import ForbiddenError, NotFoundError
from parley.services.races import insert_or_find


def post_message(
    author_id: int, channel_id: int, source: str, *, client_msg_id: str | None = None
) -> Message:
    """Add a message at the channel's next seq; a repeated client_msg_id returns the original."""
    return send_message(author_id, channel_id, source, client_msg_id=client_msg_id)[0]


def send_message(
    author_id: int,
    channel_id: int,
    source: str,
    *,
    client_msg_id: str | None = None,
    thread_root_id: int | None = None,
) -> tuple[Message, bool]:
    """Post, or find the original of a retransmission: (message, whether it is new); a
    reply in a thread with `thread_root_id`.

    Takes ids, not the author and the channel: posting needs nothing else of them, and
    loading them would cost round trips on the busiest path there is.
    """
    channels.check_visible(author_id, channel_id)
    if client_msg_id is not None:
        original = _find_by_client_msg_id(author_id, channel_id, client_msg_id)
        if original is not None:
            return original, False
    if thread_root_id is not None:
        replies.check_root(channel_id, thread_root_id)
    rendered = mentions.render(channel_id, source, author_id)
    fields = {
        "channel_id": channel_id,
        "user_id": author_id,
        "source": source,
        "html": rendered.html,
        "client_msg_id": client_msg_id,
    }
    if thread_root_id is not None:
        fields["thread_root_id"] = thread_root_id
    # A message that names someone, or replies, is stored in one transaction with its
    # mentions and its root's change.
    alone = not rendered.mentions_anyone and thread_root_id is None

    def store() -> Message:
        message = message_store.store_at_next_seq(fields, alone=alone)
        if message is None:
            raise ForbiddenError("only members of a channel can post in it")
        if rendered.mentions_anyone:  # a new message has no mentions to look up otherwise
            mentions.record(message, rendered)
        if thread_root_id is not None:
            replies.replied(message)
        return message

    def sent_meanwhile() -> Message | None:
        # A concurrent retransmission of the same send won the unique index.
        if client_msg_id is None:
            return None
        return _find_by_client_msg_id(author_id, channel_id, client_msg_id)

    message, created = insert_or_find(store, sent_meanwhile)
    return message, created


def edit_message(editor_id: int, channel_id: int, message_id: int, source: str) -> Message:
    """Replace a message's source; only its author may."""
    message = visible_message(editor_id, channel_id, message_id)
    _check_author(message, editor_id, "edit")
    rendered = mentions.render(message.channel_id, source, editor_id, before=message.html)
    message.source = source
    message.html = rendered.html
    message.previews = None  # made again for the new source's links
    seq = history.record(
        message.channel_id, EventKind.MESSAGE_EDITED, message_id=message.id, user_id=editor_id
    )
    events.publish_on_commit(events.MessageEdited(message.id, message.channel_id, seq))
    db.session.flush()
    mentions.record(message, rendered)  # after its edit: whom it names now
    return message


def delete_message(deleter_id: int, channel_id: int, message_id: int) -> None:
    """Delete a message; only its author may. What it said is erased, its place stays."""
    message = visible_message(deleter_id, channel_id, message_id)
    _check_author(message, deleter_id, "delete")
    message.deleted_at = utcnow()
    message.source = message.html = ""
    message.previews = None
    message.pinned_at = message.pinned_by = None  # gone from the pins with it
    message.reactions = None
    seq = history.record(
        message.channel_id, EventKind.MESSAGE_DELETED, message_id=message.id, user_id=deleter_id
    )
    events.publish_on_commit(events.MessageDeleted(message.id, message.channel_id, seq))
    mentions.withdraw(message)  # and from the mentions lists
    if message.thread_root_id is not None:
        replies.reply_deleted(message)


def store_previews(message_id: int, source: str, previews: list[dict[str, Any]]) -> bool:
    """Set the link previews made for `source`; False if the message has moved on.

    Previews replace what was there, so storing the same ones twice stores them once.
    An edit that changed the source since the previews were fetched wins. Previews
    found are a change of the message, with their own seq, replayed like an edit.
    """
    stored = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.source == source, Message.deleted_at.is_(None))
        .values(previews=previews, updated_at=utcnow())
        .returning(Message.channel_id, Message.user_id)
    ).one_or_none()
    if stored is None:
        return False
    channel_id, author_id = stored
    seq = (
        history.record(
            channel_id, EventKind.MESSAGE_EDITED, message_id=message_id, user_id=author_id
        )
        if previews
        else None
    )
    if seq is not None:
        edited = events.MessageEdited(message_id, channel_id, seq, source_changed=False)
        events.publish_on_commit(edited)
    else:  # no news for anyone, but updated_at moved: cached pages must not keep the old
        unit_of_work.after_commit(
            lambda: read_cache.invalidate(read_cache.CHANNEL_PAGES, channel_id)
        )
    return True


def visible_message(reader_id: int, channel_id: int, message_id: int) -> Message:
    """A live message of a channel the reader may see."""
    return get_message(channels.visible_channel(reader_id, channel_id).id, message_id)


def read_history(
    reader_id: int,
    channel_id: int,
    *,
    before: int | None,
    after: int | None,
    limit: int,
    encode: Callable[[Sequence[Message]], bytes],
) -> tuple[bytes, bool]:
    """A page of a channel the reader may see, encoded, and whether there is more: from
    the read cache when this process has served it and it is final (no query, no dump)."""
    channels.check_visible(reader_id, channel_id)
    cached = read_cache.read_cache()
    key = ("history", channel_id, before, after, limit)
    page: tuple[bytes, bool] | None = cached.get(key) if cached is not None else None
    if page is not None:
        return page
    stamp = cached.stamp(read_cache.CHANNEL_PAGES) if cached is not None else None
    last_seq = channels.get_channel(channel_id).last_seq  # before the page: page_is_final
    found, more = history_page(channel_id, before=before, after=after, limit=limit)
    page = (encode(found), more)
    final = page_is_final(last_seq, before=before, after=after, more=more)
    if cached is not None and stamp is not None and final:
        cached.put(key, page, read_cache.CHANNEL_PAGES, channel_id, stamp)
    return page


def get_message(channel_id: int, message_id: int) -> Message:
    """A message of the channel that has not been deleted."""
    message = db.session.get(Message, message_id)
    if message is None or message.channel_id != channel_id or message.deleted_at is not None:
        raise NotFoundError(f"message {message_id} not found")
    return message


def list_changed_from(channel_id: int, since: datetime) -> Sequence[Message]:
    """The channel's live messages changed at or after `since`, oldest change first."""
    return db.session.scalars(
        select(Message)
        .where(
            Message.channel_id == channel_id,
            Message.updated_at >= since,
            Message.deleted_at.is_(None),
        )
        .order_by(Message.updated_at, Message.id)
    ).all()


def history_page(
    channel_id: int, *, before: int | None = None, after: int | None = None, limit: int
) -> tuple[Sequence[Message], bool]:
    """Up to `limit` live messages in seq order, and whether that direction has more:
    the newest before `before`, the oldest after `after`, or the newest of all."""
    page = {"channel_id": channel_id, "limit": limit + 1}
    if after is not None:
        oldest_first = db.session.scalars(_page_query("after"), {**page, "seq": after}).all()
        return oldest_first[:limit], len(oldest_first) > limit
    if before is None:
        newest_first = db.session.scalars(_page_query("newest"), page).all()
    else:
        newest_first = db.session.scalars(_page_query("before"), {**page, "seq": before}).all()
    return newest_first[:limit][::-1], len(newest_first) > limit


def page_is_final(last_seq: int, *, before: int | None, after: int | None, more: bool) -> bool:
    """Whether only an edit or a deletion can change this page any more.

    New messages take seqs after the channel's last: a page before a seq already handed
    out cannot gain one, nor can a page after a seq that has more beyond it. Read the
    channel's `last_seq` before the page, so that it is no newer than the page.
    """
    if before is not None:
        return before <= last_seq + 1
    return after is not None and more


@cache
def _page_query(kind: Literal["after", "before", "newest"]) -> Select[Message]:
    """A history page's query, built once: pages are read far more than anything else.

    Parameters: channel_id, limit (one more than the page, to tell whether there is
    more) and, but for the newest page, seq.
    """
    query = select(Message).where(
        Message.channel_id == bindparam("channel_id"),
        Message.deleted_at.is_(None),
        Message.thread_root_id.is_(None),  # replies are read in their thread
    )
    if kind == "after":
        query = query.where(Message.seq > bindparam("seq")).order_by(Message.seq)
    else:
        if kind == "before":
            query = query.where(Message.seq < bindparam("seq"))
        query = query.order_by(Message.seq.desc())
    return query.limit(bindparam("limit"))


def _check_author(message: Message, user_id: int, action: str) -> None:
    if message.user_id != user_id:
        raise ForbiddenError(f"only the author can {action} a message")


def _find_by_client_msg_id(author_id: int, channel_id: int, client_msg_id: str) -> Message | None:
    return db.session.scalar(
        select(Message).where(
            Message.user_id == author_id,
            Message.channel_id == channel_id,
            Message.client_msg_id == client_msg_id,
        )
    )
