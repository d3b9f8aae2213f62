"""The outbox: every domain event, written in the transaction that made it."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, FetchedValue, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parley.models.base import Base, UTCDateTime, utcnow


class OutboxEvent(Base):
    """A committed domain event, for the relay of every web process to push.

    Its position is (txid, id): the writing transaction's id, then the row's. On
    PostgreSQL `txid` defaults to txid_current() (the migration sets it), so a reader
    can tell when no transaction that could still add a row before a position is
    running (parley.changes.outbox.scan). On SQLite, which commits one writer at a time, ids
    alone follow commit order and `txid` stays empty. Channel changes keep their
    channel's seq, by which relays put them back in commit order.
    """

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_position", "txid", "id"),
        Index("ix_outbox_events_channel_id_seq", "channel_id", "seq"),
        Index("ix_outbox_events_created_at", "created_at"),
        # Never reuse an id (SQLite would after the newest rows are pruned).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    txid: Mapped[int | None] = mapped_column(BigInteger, server_default=FetchedValue())
    kind: Mapped[str] = mapped_column(String(32))
    channel_id: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<OutboxEvent {self.txid}:{self.id} {self.kind}>"
