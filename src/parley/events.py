"""Domain events: what changed, published by the services after their commit.

This module is the one place events leave the domain. Subscribers (the realtime
layer, webhooks) connect to ``domain_event``; with none connected, publishing is a
no-op. Events carry ids, not rows, so any process can load the state it needs.
"""

from dataclasses import dataclass

from blinker import Namespace

_signals = Namespace()
domain_event = _signals.signal("parley.domain-event")
# The one exception to "after the commit": see withdraw().
access_ending = _signals.signal("parley.access-ending")


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
class MembershipEnding:
    """A user is about to stop being a member of a channel (sent before the commit)."""

    channel_id: int
    user_id: int


@dataclass(frozen=True)
class SessionRevoked:
    """A sign-in (token family) was revoked, or all of the user's (family None):
    its sockets must go."""

    user_id: int
    family: str | None = None


@dataclass(frozen=True)
class JobFinished:
    """An asynchronous request has its answer; only its owner may see it."""

    job_id: str
    user_id: int


ChannelChange = MessagePosted | MessageEdited | MessageDeleted | MemberJoined | MemberLeft
DomainEvent = UserCreated | UserUpdated | ChannelChange | JobFinished | SessionRevoked


def publish(event: DomainEvent) -> None:
    """Hand a committed change to every subscriber; call only after the commit."""
    domain_event.send(event)


def withdraw(event: MembershipEnding) -> None:
    """Stop a leaving member's live events; call before the commit, with the channel locked.

    Taking the member's sockets out of the channel only after the commit would let a
    message posted in between reach them. Every later event of the channel waits for
    this transaction's lock on the channel row, so it is published after this.
    """
    access_ending.send(event)
