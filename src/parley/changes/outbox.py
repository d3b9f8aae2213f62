"""The outbox: domain events written in the transaction that made them, read back by
position by the relays (parley.changes.relay), so that a committed change is pushed
even when the process that made it dies right after its commit.

A position is (txid, id). PostgreSQL hands out transaction ids in start order, not
commit order: a row of transaction 100 can become visible after one of transaction
101. A reader that moved past 101 would never see it. So a scan stops at its
snapshot's xmin, the oldest transaction still running: every transaction before it has
ended, and no row can appear behind a position below it (the method of
txid_snapshot_xmin, documented with PostgreSQL's snapshot functions). SQLite commits
one writer at a time, so its ids alone follow commit order.
"""

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app, has_app_context
from sqlalchemy import delete, func, insert, null, orm, select, tuple_

from parley.changes import events
from parley.models import OutboxEvent

NOTIFY_CHANNEL = "parley_outbox"  # PostgreSQL LISTEN/NOTIFY: wakes the relays at commit
RELAY_EXTENSION = "parley.relay"
_EVENT_TYPES: dict[str, Callable[..., events.DomainEvent]] = {
    event_type.__name__: event_type for event_type in events.EVENT_TYPES
}


class Position(NamedTuple):
    """Where a reader of the outbox is: the last row it took, by (txid, id)."""

    txid: int
    id: int


class Entry(NamedTuple):
    """An outbox row as a relay reads it."""

    position: Position
    channel_id: int | None
    seq: int | None
    event: events.DomainEvent | None  # None: a kind this code does not know


def record(staged: Sequence[events.DomainEvent]) -> None:
    """Write events in the session's transaction; listeners wake when it commits."""
    if not staged:
        return
    prepare_relay()
    _session().execute(insert(OutboxEvent), [row_of(event) for event in staged])
    if _on_postgres():
        _session().execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))


def row_of(event: events.DomainEvent) -> dict[str, Any]:
    """The outbox columns of an event."""
    return {
        "kind": type(event).__name__,
        "channel_id": getattr(event, "channel_id", None),
        "seq": getattr(event, "seq", None),
        "data": dataclasses.asdict(event),
    }


def event_of(kind: str, data: dict[str, Any]) -> events.DomainEvent | None:
    """The event an outbox row holds; None for a kind this code does not know."""
    event_type = _EVENT_TYPES.get(kind)
    if event_type is None:
        return None
    # JSON has lists where the events have tuples (they are frozen, hence hashable).
    fields = {name: tuple(v) if isinstance(v, list) else v for name, v in data.items()}
    event: events.DomainEvent = event_type(**fields)
    return event


def start_position() -> Position:
    """Where a new reader starts: after what every transaction ended so far wrote.

    On PostgreSQL that is before every transaction still running (a row written by
    one of them, or committed just before, may be read once more than needed: pushes
    are idempotent by seq).
    """
    if _on_postgres():
        return Position(
            _session().execute(select(func.txid_snapshot_xmin(_snapshot()))).scalar_one(),
            0,
        )
    newest = _session().execute(select(func.max(OutboxEvent.id))).scalar_one()
    return Position(0, newest or 0)


def scan(after: Position, limit: int) -> tuple[list[Entry], bool]:
    """Up to `limit` rows after a position, in order, and whether a row after them
    waits for a transaction that is still running (look again soon)."""
    columns = (OutboxEvent.txid, OutboxEvent.id, OutboxEvent.kind, OutboxEvent.channel_id)
    more = (OutboxEvent.seq, OutboxEvent.data)
    if _on_postgres():
        query = (
            select(*columns, *more, func.txid_snapshot_xmin(_snapshot()))
            .where(tuple_(OutboxEvent.txid, OutboxEvent.id) > tuple_(after.txid, after.id))
            .order_by(OutboxEvent.txid, OutboxEvent.id)
        )
    else:
        query = (
            select(*columns, *more, null())
            .where(OutboxEvent.id > after.id)
            .order_by(OutboxEvent.id)
        )
    rows = _session().execute(query.limit(limit)).all()
    entries: list[Entry] = []
    for txid, row_id, kind, channel_id, seq, data, horizon in rows:
        if txid is not None and txid >= horizon:
            return entries, True
        entries.append(Entry(Position(txid or 0, row_id), channel_id, seq, event_of(kind, data)))
    return entries, False


def first_seq_since(channel_id: int, start: Position) -> int | None:
    """The first seq of a channel written from `start` on: where a reader that began
    there takes up that channel (seqs of one channel commit in order)."""
    since = OutboxEvent.txid >= start.txid if _on_postgres() else OutboxEvent.id > start.id
    first: int | None = _session().scalar(
        select(func.min(OutboxEvent.seq)).where(OutboxEvent.channel_id == channel_id, since)
    )
    return first


def prune_before(moment: datetime) -> int:
    """Delete rows older than `moment`; return how many."""
    deleted = _session().execute(delete(OutboxEvent).where(OutboxEvent.created_at < moment))
    return int(deleted.rowcount)  # type: ignore[attr-defined]


def prepare_relay() -> None:
    """Before writing events: a relay that has not read yet starts before them."""
    relay = _relay()
    if relay is not None:
        relay.prepare()


def wake_relay() -> None:
    """Tell this process's relay that a transaction with events committed."""
    relay = _relay()
    if relay is not None:
        relay.wake()


def _relay() -> Any:
    return current_app.extensions.get(RELAY_EXTENSION) if has_app_context() else None


def _session() -> orm.Session:
    session: orm.Session = events.current_session()
    return session


def _snapshot() -> Any:
    return func.txid_current_snapshot()


def _on_postgres() -> bool:
    return bool(_session().get_bind().dialect.name == "postgresql")
