"""Domain events: what changed, staged by the services in their transaction and
delivered once it commits (never if it rolls back).

This module is the one place events leave the domain. Subscribers (pushes to sockets,
the read caches, link previews) are wired in one place, parley.changes.wiring; with none,
publishing is a no-op. Events carry ids, not rows, so any process can load the state it
needs. A subscriber that fails is logged and counted, and the others still run: the
change is committed, and its writer gets its answer.

Every event is also written to the outbox in its transaction (parley.changes.outbox). Relayed
subscribers (the pushes to sockets) get events from there, through the relay of each
web process, so that no committed change goes unpushed; the others get them in the
writing process, right after its commit.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from flask import current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserCreated:
    """A user signed up."""

    user_id: int


@dataclass(frozen=True)
class UserUpdated:
    """A user's profile or presence changed."""

    user_id: int
    presence_changed: bool = False


@dataclass(frozen=True)
class MessagePosted:
    """A message was added to a channel at position ``seq``."""

    message_id: int
    channel_id: int
    seq: int


@dataclass(frozen=True)
class MessageEdited:
    """A message changed at ``seq``: its source (and so its HTML), or only its previews."""

    message_id: int
    channel_id: int
    seq: int
    source_changed: bool = True


@dataclass(frozen=True)
class MessageDeleted:
    """A message was deleted by its author at ``seq``."""

    message_id: int
    channel_id: int
    seq: int


@dataclass(frozen=True)
class MessagePinned:
    """A member, ``user_id``, pinned a message to its channel, at ``seq``."""

    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class MessageUnpinned:
    """A member, ``user_id``, unpinned a message, at ``seq``."""

    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class ReactionAdded:
    """A member reacted to a message at ``seq``."""

    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class ReactionRemoved:
    """A member took a reaction back at ``seq``."""

    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class ThreadUpdated:
    """A thread's root changed at ``seq``: a reply was posted (by ``user_id``) or deleted."""

    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class ThreadReadMoved:
    """A follower read a thread further: up to reply ``last_read_seq``, leaving
    ``unread_count`` of others' replies unread, among those up to the channel's seq
    ``as_of_seq``."""

    user_id: int
    channel_id: int
    root_id: int
    last_read_seq: int
    unread_count: int
    as_of_seq: int


@dataclass(frozen=True)
class MemberJoined:
    """A user became a member of a channel at ``seq``."""

    channel_id: int
    user_id: int
    seq: int


@dataclass(frozen=True)
class MemberLeft:
    """A user left, or was removed from, a channel at ``seq``."""

    channel_id: int
    user_id: int
    seq: int


@dataclass(frozen=True)
class ReadMarkerMoved:
    """A member read a channel further: up to ``last_read_seq``, leaving ``unread_count``
    messages unread, ``mention_count`` of them naming the member, among those up to the
    channel's seq ``as_of_seq`` (one snapshot)."""

    user_id: int
    channel_id: int
    last_read_seq: int
    unread_count: int
    as_of_seq: int
    mention_count: int = 0


@dataclass(frozen=True)
class MembersMentioned:
    """A message named these members (at its post, or an edit added them); those of
    them in `told_before` it had named before an earlier edit dropped them: their counts
    rose, but they are not notified again.

    No ``seq`` of its own: the message's event has it, and this one follows it.
    """

    message_id: int
    channel_id: int
    user_ids: tuple[int, ...]
    told_before: tuple[int, ...] = ()


@dataclass(frozen=True)
class MentionsWithdrawn:
    """A message no longer names these members (edited, or deleted): their counts fell."""

    message_id: int
    channel_id: int
    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class SessionRevoked:
    """A sign-in (token family) was revoked, or all of the user's (family None): its
    sockets, forgotten by the registry in the same transaction, must go."""

    user_id: int
    family: str | None = None
    sids: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobFinished:
    """An asynchronous request has its answer; only its owner may see it."""

    job_id: str
    user_id: int


ChannelChange = (
    MessagePosted
    | MessageEdited
    | MessageDeleted
    | MessagePinned
    | MessageUnpinned
    | ReactionAdded
    | ReactionRemoved
    | ThreadUpdated
    | MemberJoined
    | MemberLeft
)
DomainEvent = (
    UserCreated
    | UserUpdated
    | ChannelChange
    | ReadMarkerMoved
    | MembersMentioned
    | MentionsWithdrawn
    | ThreadReadMoved
    | JobFinished
    | SessionRevoked
)


EVENT_TYPES: frozenset[type] = frozenset(
    t for member in get_args(DomainEvent) for t in (get_args(member) or (member,))
)


@dataclass(frozen=True)
class Subscriber:
    """A receiver of committed changes: the event types it acts on, and those it ignores
    knowingly (together every type, so that a new one cannot be forgotten). A relayed
    one gets them from the outbox in every web process, the others in the process
    that committed them."""

    name: str
    receive: Callable[[Any], None]
    handles: frozenset[type]
    ignores: frozenset[type]
    relayed: bool = False


_subscribers: dict[str, Subscriber] = {}
# Failures per subscriber in this process, for health checks to read.
failures: Counter[str] = Counter()


def subscribe(subscriber: Subscriber) -> None:
    """Add a subscriber (again under the same name: replace it)."""
    _subscribers[subscriber.name] = subscriber


def unsubscribe(name: str) -> None:
    """Remove a subscriber, if there is one of that name."""
    _subscribers.pop(name, None)


def subscribers() -> list[Subscriber]:
    """The subscribers, in the order they run."""
    return list(_subscribers.values())


def publish_on_commit(event: DomainEvent, *, in_outbox: bool = False) -> None:
    """Stage a change in the current transaction: it is written to the outbox with it
    (unless the caller wrote it already), and the subscribers get it after the commit,
    in the order staged; a rollback drops it (parley.changes.session.Session)."""
    current_session().stage(event, in_outbox=in_outbox)


def current_session() -> Any:
    """The unit of work's session (parley.changes.session.Session), from the app's
    Flask-SQLAlchemy: this package sits below parley.extensions, which makes it."""
    return current_app.extensions["sqlalchemy"].session()


def deliver(event: DomainEvent, *, relayed: bool = False) -> None:
    """Hand a committed change to every subscriber of its type, relayed or not (the
    session does, after its commit; the relay does, from the outbox). One that raises
    is logged with the event and counted; the rest run."""
    for subscriber in list(_subscribers.values()):
        if type(event) not in subscriber.handles or subscriber.relayed != relayed:
            continue
        try:
            subscriber.receive(event)
        except Exception:
            failures[subscriber.name] += 1
            log.exception("subscriber %r failed on %r", subscriber.name, event)
