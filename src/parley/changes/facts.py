"""What each type of domain event declares of itself (parley.changes.events): what it
is about, the names it is pushed under and its payload's schema, whether it bears a
message and whether it changes a page of history. The consumers choose and route by
them, so that a new type reaches every consumer its facts concern."""

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    """What an event is about, which decides who may hear of it."""

    MESSAGE = "message"  # a channel's message changed: its members, in the channel's seq order
    MEMBERSHIP = "membership"  # a channel's members changed: its members and the one who left
    READ_STATE = "read_state"  # a reader's place moved: that reader's devices
    MENTIONS = "mentions"  # members named or no longer named: each of them
    USER = "user"  # a user signed up or changed: everyone who can see them
    SESSION = "session"  # a sign-in ended: its sockets, which must go
    JOB = "job"  # an asynchronous request was answered: its owner


@dataclass(frozen=True)
class Facts:
    """What every consumer of an event type needs to know of it, declared by the type
    (``facts``) and read from there by the pushes, the relay and the read caches;
    tests/unit/test_event_facts.py checks them against the models, the schemas, the
    protocol's document and the browser client."""

    kind: Kind
    v2: str | None  # the event a /v2 socket is sent (EventKind's value for a channel change)
    payload: str | None  # the name of its payload's schema in parley.schemas.v2
    v1: str | None  # the event Flack's clients are sent on the v1 namespace
    bears_message: bool  # its pushes carry the message ``message_id`` names
    changes_history: bool  # a page of the channel's history that holds the message changes
    # It brings its subject into being: nothing cached or held anywhere can be about it yet.
    creates: bool = False


def message_change(wire: str, *, v1: str | None = None, changes_history: bool = True) -> Facts:
    """The facts of a change of a message, logged and pushed as ``wire``."""
    return Facts(Kind.MESSAGE, wire, "EventSchema", v1, True, changes_history)


def membership_change(wire: str) -> Facts:
    """The facts of a change of a channel's members, logged and pushed as ``wire``."""
    return Facts(Kind.MEMBERSHIP, wire, "EventSchema", None, False, False)
