"""The channel event log: seqs handed out, events recorded, replayed and pruned."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from parley.extensions import db
from parley.models import Channel, ChannelEvent, EventKind, Message
from parley.services.errors import StaleCursorError


@dataclass(frozen=True)
class EventView:
    """An event as clients see it: the current state of the message it is about."""

    channel_id: int
    seq: int
    kind: EventKind
    message: Message | None
    user_id: int | None


def next_seq(channel_id: int) -> int:
    """Take the channel's next sequence number, in the caller's transaction.

    The UPDATE locks the channel row until commit, so concurrent events in one
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


def record(
    channel_id: int, kind: EventKind, *, message_id: int | None = None, user_id: int | None = None
) -> int:
    """Log an event at the channel's next seq, in the caller's transaction; return the seq."""
    seq = next_seq(channel_id)
    db.session.add(
        ChannelEvent(
            channel_id=channel_id, seq=seq, kind=kind, message_id=message_id, user_id=user_id
        )
    )
    return seq


def events_after(channel_id: int, after_seq: int, limit: int) -> Sequence[ChannelEvent]:
    """Up to `limit` events of the channel after `after_seq`, in seq order."""
    return db.session.scalars(
        select(ChannelEvent)
        .where(ChannelEvent.channel_id == channel_id, ChannelEvent.seq > after_seq)
        .order_by(ChannelEvent.seq)
        .limit(limit)
    ).all()


def views_of(rows: Sequence[ChannelEvent]) -> list[EventView]:
    """The events with their messages, loaded in one query."""
    wanted = {row.message_id for row in rows if row.message_id is not None}
    loaded = (
        {m.id: m for m in db.session.scalars(select(Message).where(Message.id.in_(wanted)))}
        if wanted
        else {}
    )
    return [
        EventView(
            row.channel_id,
            row.seq,
            row.kind,
            loaded.get(row.message_id) if row.message_id is not None else None,
            row.user_id,
        )
        for row in rows
    ]


def cursor_is_stale(channel: Channel, after_seq: int) -> bool:
    """Whether events after `after_seq` can no longer be replayed in full.

    True when the events right after the cursor were pruned, or when the cursor is
    ahead of the channel (it came from another database): the client must resync.
    """
    if after_seq > channel.last_seq:
        return True
    if after_seq == channel.last_seq:
        return False
    oldest = db.session.scalar(
        select(func.min(ChannelEvent.seq)).where(ChannelEvent.channel_id == channel.id)
    )
    return oldest is None or oldest > after_seq + 1


def replay(channel: Channel, after_seq: int, limit: int) -> tuple[list[EventView], bool]:
    """Up to `limit` events after the cursor, and whether more follow.

    Raises StaleCursorError when they cannot all be replayed: the client must resync.
    """
    if cursor_is_stale(channel, after_seq):
        raise StaleCursorError(
            f"events after seq {after_seq} of channel {channel.id} are gone; "
            f"load the history again (the channel is at seq {channel.last_seq})"
        )
    return _page(channel.id, after_seq, limit)


def _page(channel_id: int, after_seq: int, limit: int) -> tuple[list[EventView], bool]:
    """Up to `limit` events after a seq, and whether more follow (no cursor check)."""
    rows = events_after(channel_id, after_seq, limit + 1)
    return views_of(rows[:limit]), len(rows) > limit


def replay_pages(channel: Channel, after_seq: int, page_size: int) -> Iterator[list[EventView]]:
    """Every event after the cursor, a page at a time, until a page finds no more.

    The cursor is checked once, up front (StaleCursorError); events committed while
    the pages are read are included, so the last page ends at the newest event.
    """
    views, more = replay(channel, after_seq, page_size)
    while views:
        yield views
        if not more:
            return
        views, more = _page(channel.id, views[-1].seq, page_size)


def prune_before(moment: datetime) -> int:
    """Delete events older than `moment`; return how many. Older cursors must resync."""
    deleted = db.session.execute(delete(ChannelEvent).where(ChannelEvent.created_at < moment))
    return int(deleted.rowcount)  # type: ignore[attr-defined]
