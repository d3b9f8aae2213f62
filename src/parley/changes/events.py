"""Domain events: what changed, staged by the services in their transaction and
delivered once it commits (never if it rolls back).

This module is the one place events leave the domain. Subscribers (pushes to sockets,
the read caches, link previews) are wired in one place, parley.changes.wiring; with
none, publishing is a no-op. Each event type declares its facts (Facts: what it is
about, the names it is pushed under, whether it bears a message or changes a page of
history), and the consumers choose and route by them. Events carry ids, not rows, so any
process can load the state it needs. A subscriber that fails is logged and counted, and
the others still run: the change is committed, and its writer gets its answer.

Every event is also written to the outbox in its transaction (parley.changes.outbox). Relayed
subscribers (the pushes to sockets) get events from there, through the relay of each
web process, so that no committed change goes unpushed; the others get them in the
writing process, right after its commit.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, get_args

from flask import current_app

from parley.changes.facts import Facts, Kind, membership_change, message_change

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UserCreated:
    """A user signed up."""

    facts: ClassVar[Facts] = Facts(
        Kind.USER,
        v2=None,
        payload=None,
        v1="updated_model",
        bears_message=False,
        changes_history=False,
        creates=True,
    )
    user_id: int


@dataclass(frozen=True)
class UserUpdated:
    """A user's profile or presence changed."""

    facts: ClassVar[Facts] = Facts(
        Kind.USER,
        v2="presence",
        payload="PresenceSchema",
        v1="updated_model",
        bears_message=False,
        changes_history=False,
    )
    user_id: int
    presence_changed: bool = False


@dataclass(frozen=True)
class MessagePosted:
    """A message was added to a channel at position ``seq``."""

    facts: ClassVar[Facts] = message_change(
        "message_posted", v1="updated_model", changes_history=False
    )
    message_id: int
    channel_id: int
    seq: int


@dataclass(frozen=True)
class MessageEdited:
    """A message changed at ``seq``: its source (and so its HTML), or only its previews."""

    facts: ClassVar[Facts] = message_change("message_edited", v1="updated_model")
    message_id: int
    channel_id: int
    seq: int
    source_changed: bool = True


@dataclass(frozen=True)
class MessageDeleted:
    """A message was deleted by its author at ``seq``."""

    facts: ClassVar[Facts] = message_change("message_deleted")
    message_id: int
    channel_id: int
    seq: int


@dataclass(frozen=True)
class MessagePinned:
    """A member, ``user_id``, pinned a message to its channel, at ``seq``."""

    facts: ClassVar[Facts] = message_change("message_pinned")
    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class MessageUnpinned:
    """A member, ``user_id``, unpinned a message, at ``seq``."""

    facts: ClassVar[Facts] = message_change("message_unpinned")
    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class ReactionAdded:
    """A member reacted to a message at ``seq``."""

    facts: ClassVar[Facts] = message_change("reaction_added")
    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class ReactionRemoved:
    """A member took a reaction back at ``seq``."""

    facts: ClassVar[Facts] = message_change("reaction_removed")
    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class ThreadUpdated:
    """A thread's root changed at ``seq``: a reply was posted (by ``user_id``) or deleted."""

    facts: ClassVar[Facts] = message_change("thread_updated")
    message_id: int
    channel_id: int
    seq: int
    user_id: int


@dataclass(frozen=True)
class ThreadReadMoved:
    """A follower read a thread further: up to reply ``last_read_seq``, leaving
    ``unread_count`` of others' replies unread, among those up to the channel's seq
    ``as_of_seq``."""

    facts: ClassVar[Facts] = Facts(
        Kind.READ_STATE,
        v2="thread_read",
        payload="ThreadStateSchema",
        v1=None,
        bears_message=False,
        changes_history=False,
    )
    user_id: int
    channel_id: int
    root_id: int
    last_read_seq: int
    unread_count: int
    as_of_seq: int


@dataclass(frozen=True)
class MemberJoined:
    """A user became a member of a channel at ``seq``."""

    facts: ClassVar[Facts] = membership_change("member_joined")
    channel_id: int
    user_id: int
    seq: int


@dataclass(frozen=True)
class MemberLeft:
    """A user left, or was removed from, a channel at ``seq``."""

    facts: ClassVar[Facts] = membership_change("member_left")
    channel_id: int
    user_id: int
    seq: int


@dataclass(frozen=True)
class ReadMarkerMoved:
    """A member read a channel further: up to ``last_read_seq``, leaving ``unread_count``
    messages unread, ``mention_count`` of them naming the member, among those up to the
    channel's seq ``as_of_seq`` (one snapshot)."""

    facts: ClassVar[Facts] = Facts(
        Kind.READ_STATE,
        v2="read_marker",
        payload="ReadStateSchema",
        v1=None,
        bears_message=False,
        changes_history=False,
    )
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

    facts: ClassVar[Facts] = Facts(
        Kind.MENTIONS,
        v2="mention",
        payload="MentionSchema",
        v1=None,
        bears_message=True,
        changes_history=False,
    )
    message_id: int
    channel_id: int
    user_ids: tuple[int, ...]
    told_before: tuple[int, ...] = ()


@dataclass(frozen=True)
class MentionsWithdrawn:
    """A message no longer names these members (edited, or deleted): their counts fell."""

    facts: ClassVar[Facts] = Facts(
        Kind.MENTIONS,
        v2="read_marker",
        payload="ReadStateSchema",
        v1=None,
        bears_message=False,
        changes_history=False,
    )
    message_id: int
    channel_id: int
    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class SessionRevoked:
    """A sign-in (token family) was revoked, or all of the user's (family None): its
    sockets, forgotten by the registry in the same transaction, must go."""

    facts: ClassVar[Facts] = Facts(
        Kind.SESSION,
        v2=None,
        payload=None,
        v1=None,
        bears_message=False,
        changes_history=False,
    )
    user_id: int
    family: str | None = None
    sids: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobFinished:
    """An asynchronous request has its answer; only its owner may see it."""

    facts: ClassVar[Facts] = Facts(
        Kind.JOB,
        v2=None,
        payload=None,
        v1="job_finished",
        bears_message=False,
        changes_history=False,
    )
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


EVENT_TYPES: frozenset[type[DomainEvent]] = frozenset(
    t for member in get_args(DomainEvent) for t in (get_args(member) or (member,))
)


def types_where(test: Callable[[Facts], bool]) -> frozenset[type[DomainEvent]]:
    """The event types whose facts pass `test`: what a subscriber acts on."""
    return frozenset(t for t in EVENT_TYPES if test(t.facts))


def id_in(event: DomainEvent, field: str) -> int:
    """An id the event carries because of its facts (a message's for one that bears a
    message; a user's or a channel's for its kind: tests/unit/test_event_facts.py)."""
    value: int = getattr(event, field)
    return value


@dataclass(frozen=True)
class Subscriber:
    """A receiver of committed changes of the types it `handles` (chosen by their facts,
    types_where, so that a new type reaches every consumer its facts concern). A
    relayed one gets them from the outbox in every web process, the others in the
    process that committed them."""

    name: str
    receive: Callable[[Any], None]
    handles: frozenset[type[DomainEvent]]
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
