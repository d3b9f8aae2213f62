"""API v2's live channel events: rooms, pushes to members, replay, moving sockets.

Every socket of a member sits in its channel's room on /v2. A channel change is
pushed to that room after its commit, as the event of the same name and schema the
REST events endpoint replays. Every web process's relay (parley.changes.relay)
delivers each change here, in the channel's seq order, and this module acts on the
sockets that process holds: a new member's enter the room, a leaver's leave it before
any later event of the channel is pushed, a signed-out session's are disconnected.
The registry (parley.services.sockets) says which sockets a user holds.
"""

import logging
from typing import Any

from flask import current_app
from marshmallow import Schema

from parley.changes import events
from parley.changes.facts import Facts, Kind
from parley.extensions import db, socketio
from parley.models import Channel, ChannelKind, EventKind, Message
from parley.realtime.broadcast import broadcast
from parley.schemas import v2 as schemas_v2
from parley.schemas.v2 import (
    ChannelUnavailableSchema,
    EventSchema,
    ResumedSchema,
    ResyncSchema,
)
from parley.services import channels, history, read_markers, sockets
from parley.services.errors import StaleCursorError
from parley.services.history import EventView

log = logging.getLogger(__name__)

V2_NAMESPACE = "/v2"
_event_schema = EventSchema()
_resumed_schema = ResumedSchema()
_resync_schema = ResyncSchema()
_unavailable_schema = ChannelUnavailableSchema()
# Payload schemas by name, as the event types' facts name them.
_payload_schemas: dict[str, Schema] = {}


def channel_room(channel_id: int) -> str:
    """The room of every member socket of a channel."""
    return f"channel:{channel_id}"


def user_room(user_id: int) -> str:
    """The /v2 room of every socket of one user (their devices)."""
    return f"user:{user_id}"


def event_payload(view: EventView) -> dict[str, Any]:
    """The payload of a channel event, live or replayed."""
    payload: dict[str, Any] = _event_schema.dump(view)
    return payload


def replay_to(sid: str, channel: Channel, after_seq: int, budget: int | None = None) -> int:
    """Send one socket the channel's events after its cursor, then `resumed`; how many.

    A cursor that cannot be replayed (pruned, from another database, further behind
    than REPLAY_MAX_EVENTS, or than what is left of the resume's `budget`) gets
    `resync` instead. Call after the socket joined the room: an event committed
    meanwhile then arrives live, replayed, or both, and never neither; clients drop
    the seqs they have.
    """
    config = current_app.config
    last = after_seq
    behind = channel.last_seq - after_seq
    try:
        if behind > config["REPLAY_MAX_EVENTS"]:
            raise StaleCursorError(f"more than {config['REPLAY_MAX_EVENTS']} events to replay")
        if budget is not None and behind > budget:
            raise StaleCursorError("more events to replay than this connect may push")
        for page in history.replay_pages(channel, after_seq, config["REPLAY_PAGE_SIZE"]):
            for view in page:
                _emit(view.kind.value, event_payload(view), sid)
            last = page[-1].seq
    except StaleCursorError as error:
        _emit(
            "resync",
            _resync_schema.dump(
                {"channel_id": channel.id, "last_seq": channel.last_seq, "reason": error.message}
            ),
            sid,
        )
        return 0
    resumed = _resumed_schema.dump({"channel_id": channel.id, "last_seq": last})
    _emit("resumed", resumed, sid)
    return max(0, behind)


def holds(sid: str) -> bool:
    """Whether this process holds the socket (connected, or connecting)."""
    manager = socketio.server.manager
    return bool(
        manager.is_connected(sid, V2_NAMESPACE) or manager.is_pre_connected(sid, V2_NAMESPACE)
    )


def _emit(event: str, payload: dict[str, Any], to: str) -> None:
    """Emit on /v2 to one socket held here."""
    try:
        socketio.emit(event, payload, to=to, namespace=V2_NAMESPACE)
    except Exception:
        log.exception("push of %s to %s failed", event, to)


def _push_change(event: events.ChannelChange) -> None:
    """Push a committed channel change to the channel's member sockets held here.

    The event names who acted: the member who joined or left, pinned, reacted or
    replied (``user_id``), or else the message's author.
    """
    message = None
    if event.facts.bears_message:
        message = db.session.get(Message, events.id_in(event, "message_id"))
        if message is None:  # deleted for good since: its own event says so
            return
    actor = getattr(event, "user_id", None)
    if actor is None:
        assert message is not None
        actor = message.user_id
    kind = EventKind(str(event.facts.v2))
    payload = event_payload(EventView(event.channel_id, event.seq, kind, message, actor))
    leavers = _held_sids(event.user_id) if isinstance(event, events.MemberLeft) else []
    for sid in leavers:  # out before anything, so that no later event reaches them
        _move(sid, event.channel_id, enter=False)
    broadcast(kind.value, payload, V2_NAMESPACE, channel_room(event.channel_id))
    for sid in leavers:  # they learn it too
        _emit(kind.value, payload, sid)
    if isinstance(event, events.MemberJoined):
        _admit_sockets(event)


def _admit_sockets(joined: events.MemberJoined) -> None:
    """Put a new member's sockets held here in the channel's room, then replay from
    the join on.

    The room is entered before the events are read, so whatever the replay misses
    arrives live (the relay delivers the channel's later events after this one).
    """
    channel = db.session.get(Channel, joined.channel_id)
    if channel is None:
        return
    for sid in _held_sids(joined.user_id):
        _move(sid, channel.id, enter=True)
        replay_to(sid, channel, joined.seq - 1)


def _held_sids(user_id: int) -> list[str]:
    """The user's sockets that this process holds."""
    return [sid for sid in sockets.sids_of_user(user_id) if holds(sid)]


def _move(sid: str, channel_id: int, *, enter: bool) -> None:
    """Add a socket held here to a channel's room, or take it out."""
    move = socketio.server.enter_room if enter else socketio.server.leave_room
    try:
        move(sid, channel_room(channel_id), namespace=V2_NAMESPACE)
    except Exception:
        log.exception("moving %s %s channel %s failed", sid, "in" if enter else "out", channel_id)


def _push_read_state(moved: events.ReadMarkerMoved | events.ThreadReadMoved) -> None:
    """Tell every socket of the reader held here (their other devices too)."""
    payload = payload_schema(moved.facts).dump(moved)
    for sid in _held_sids(moved.user_id):
        _emit(str(moved.facts.v2), payload, sid)


def payload_schema(facts: Facts) -> Schema:
    """The schema of the payload of an event type's /v2 push, as its facts name it."""
    name = str(facts.payload)
    if name not in _payload_schemas:
        _payload_schemas[name] = getattr(schemas_v2, name)()
    return _payload_schemas[name]


def _push_mentions(change: events.MembersMentioned | events.MentionsWithdrawn) -> None:
    """Tell each named (or no longer named) member's sockets held here, with their
    counts in the channel read afresh: `mention` with the message, or `read_marker`
    (named no more, or named again by an edit that restored the name: told once)."""
    message: Message | None = None
    told_before: tuple[int, ...] = ()
    if isinstance(change, events.MembersMentioned):
        told_before = change.told_before
        message = db.session.get(Message, change.message_id)
        if message is not None and message.deleted_at is not None:
            message = None  # deleted since: the counts alone, as its withdrawal will
    for user_id in change.user_ids:
        sids = [
            sid
            for sid, _ in socketio.server.manager.get_participants(V2_NAMESPACE, user_room(user_id))
        ]
        state = read_markers.read_state(user_id, change.channel_id) if sids else None
        if state is None:  # no socket here, or not a member any more
            continue
        if message is None or user_id in told_before:
            facts = events.ReadMarkerMoved.facts  # the counts alone
            payload, kind = payload_schema(facts).dump(state), str(facts.v2)
        else:
            kind = str(change.facts.v2)
            payload = payload_schema(change.facts).dump(
                {"channel_id": change.channel_id, "message": message, "read_state": state}
            )
        for sid in sids:
            _emit(kind, payload, sid)


def _disconnect_session(revoked: events.SessionRevoked) -> None:
    """Disconnect a signed-out session's sockets held here (the registry forgot them
    in the sign-out's transaction)."""
    for sid in revoked.sids:
        if not holds(sid):
            continue
        try:
            socketio.server.disconnect(sid, namespace=V2_NAMESPACE)
        except Exception:
            log.exception("disconnecting %s failed", sid)


def on_domain_event(event: events.DomainEvent) -> None:
    """Route one committed change to the /v2 sockets that may see it."""
    if isinstance(event, events.ChannelChange):
        _push_change(event)
        return
    match event:
        case events.ReadMarkerMoved() | events.ThreadReadMoved():
            _push_read_state(event)
        case events.MembersMentioned() | events.MentionsWithdrawn():
            _push_mentions(event)
        case events.SessionRevoked():
            _disconnect_session(event)


def resume(sid: str, user_id: int, cursors: dict[int, int]) -> None:
    """Replay each channel a connecting socket names a cursor for.

    A channel the user cannot follow gets `channel_unavailable`: 404 when it is
    hidden from them, as on every REST route, 403 when it is public but not joined.
    """
    member_of = set(channels.member_channel_ids(user_id))
    budget = current_app.config["REPLAY_MAX_PER_RESUME"]
    for channel_id, after_seq in cursors.items():
        channel = db.session.get(Channel, channel_id) if channel_id in member_of else None
        if channel is None:
            _emit("channel_unavailable", _unavailable(channel_id), sid)
        else:
            budget -= replay_to(sid, channel, after_seq, budget)


def _unavailable(channel_id: int) -> dict[str, Any]:
    channel = db.session.get(Channel, channel_id)
    public = channel is not None and channel.kind == ChannelKind.PUBLIC
    payload: dict[str, Any] = _unavailable_schema.dump(
        {
            "channel_id": channel_id,
            "code": 403 if public else 404,
            "message": "Join the channel to follow it." if public else "No such channel.",
        }
    )
    return payload


# Presence has pushes of its own (parley.realtime.presence_pushes); jobs and profiles
# are read over REST.
PUSHED = (
    Kind.MESSAGE,
    Kind.MEMBERSHIP,
    Kind.READ_STATE,
    Kind.MENTIONS,
    Kind.SESSION,
)
SUBSCRIBER = events.Subscriber(
    "v2 pushes",
    on_domain_event,
    handles=events.types_where(lambda facts: facts.kind in PUSHED),
    relayed=True,
)
