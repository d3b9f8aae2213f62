"""Storing a new message at its channel's next seq, with its message_posted event in the
channel's log and in the outbox."""

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, literal, select, update
from sqlalchemy.orm import aliased

from parley.changes import events, outbox, unit_of_work
from parley.extensions import db
from parley.models import Channel, ChannelEvent, EventKind, Membership, Message, OutboxEvent
from parley.models.base import utcnow
from parley.services import history


def store_at_next_seq(fields: dict[str, Any], *, alone: bool = True) -> Message | None:
    """Store a message and its event at the channel's next seq, with the event staged
    for the outbox; None if the author is not a member of the channel.

    Seqs follow commit order because taking one locks the channel row until commit.
    On PostgreSQL one autocommitted statement checks the membership, takes the seq,
    inserts the message and logs its event, so that lock never waits on this process:
    a round trip here may wait behind a greenlet fanning out an earlier message to
    thousands of sockets, and every other poster in the channel, on every instance,
    would wait with it. A member who leaves concurrently posts before leaving or not
    at all.

    That statement is its own transaction. So it is taken only when the unit of work
    has written nothing yet (a socket post, most REST posts) and nothing is to follow
    (`alone`): composed after other writes, or before some (a post's mentions), a post
    joins their transaction instead, and holds the channel's lock until the unit commits.
    """
    if db.engine.dialect.name != "postgresql" or unit_of_work.has_written() or not alone:
        return _store_in_transaction(fields)
    db.session.commit()  # end the read transaction (it wrote nothing): the next is the statement
    db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    outbox.prepare_relay()
    now = utcnow()
    values = {**fields, "created_at": now, "updated_at": now}
    stored = db.session.scalars(
        _post_statement(), {_PARAMETER.format(name): value for name, value in values.items()}
    ).one_or_none()
    db.session.commit()  # gives the connection back, and its isolation level with it
    if stored is not None:
        posted = events.MessagePosted(stored.id, stored.channel_id, stored.seq)
        events.publish_on_commit(posted, in_outbox=True)  # for the unit's commit to hand over
    return stored


# Not the columns' own names: an UPDATE would take a parameter named after a column of
# its table (channels.created_at, for one) as a value to SET.
_PARAMETER = "message_{}"


@cache
def _post_statement() -> Select[Message]:
    """The one statement of a post on PostgreSQL, built once: the busiest path there is.

    Its parameters are the message's columns, named as _PARAMETER says: channel_id,
    user_id, source, html, client_msg_id, created_at and updated_at.
    """
    columns = Message.__table__.c
    names = ["channel_id", "user_id", "source", "html", "client_msg_id", "created_at", "updated_at"]
    params = {name: bindparam(_PARAMETER.format(name), type_=columns[name].type) for name in names}
    is_member = (
        select(Membership.user_id)
        .where(
            Membership.channel_id == params["channel_id"],
            Membership.user_id == params["user_id"],
        )
        .exists()
    )
    taken = (
        update(Channel)
        .where(Channel.id == params["channel_id"], is_member)
        .values(last_seq=Channel.last_seq + 1)
        .returning(Channel.last_seq)
        .cte("taken")
    )
    posted = (
        insert(Message)
        # The columns it does not name take their server defaults (reply_count 0).
        .from_select(
            [*names, "seq"], select(*params.values(), taken.c.last_seq), include_defaults=False
        )
        .returning(*columns)
        .cte("posted")
    )
    event_kind = ChannelEvent.__table__.c.kind.type
    logged = insert(ChannelEvent).from_select(
        ["channel_id", "seq", "kind", "message_id", "user_id", "created_at"],
        select(
            posted.c.channel_id,
            posted.c.seq,
            literal(EventKind.MESSAGE_POSTED, type_=event_kind),
            posted.c.id,
            posted.c.user_id,
            posted.c.created_at,
        ),
    )
    boxed = insert(OutboxEvent).from_select(
        ["kind", "channel_id", "seq", "data", "created_at"],
        select(
            literal(events.MessagePosted.__name__),
            posted.c.channel_id,
            posted.c.seq,
            func.json_build_object(
                "message_id", posted.c.id, "channel_id", posted.c.channel_id, "seq", posted.c.seq
            ),
            posted.c.created_at,
        ),
    )
    # NOTIFY in the statement's transaction: listeners hear it when it commits.
    notified = func.pg_notify(outbox.NOTIFY_CHANNEL, "")
    return (
        select(aliased(Message, posted), notified)
        .add_cte(logged.cte("logged"))
        .add_cte(boxed.cte("boxed"))
    )


def _store_in_transaction(fields: dict[str, Any]) -> Message | None:
    """The post in the unit of work's transaction: on SQLite (no UPDATE inside WITH, and
    one writer at a time anyway), or after other writes."""
    if db.session.get(Membership, (fields["channel_id"], fields["user_id"])) is None:
        return None
    message = Message(seq=history.next_seq(fields["channel_id"]), **fields)
    db.session.add(message)
    db.session.flush()
    db.session.add(
        ChannelEvent(
            channel_id=message.channel_id,
            seq=message.seq,
            kind=EventKind.MESSAGE_POSTED,
            message_id=message.id,
            user_id=message.user_id,
            created_at=message.created_at,
        )
    )
    events.publish_on_commit(events.MessagePosted(message.id, message.channel_id, message.seq))
    return message
