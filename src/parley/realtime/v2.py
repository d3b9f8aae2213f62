"""API v2 over Socket.IO: the /v2 namespace (the protocol is docs/realtime-v2.md).

Connect with `auth = {"token": <access token>, "cursors": {<channel id>: <last seq>}}`.
The socket joins the room of every channel its user belongs to, each named channel
is replayed from its cursor, and live events follow. Client -> server:
`post_message({"channel_id", "source", "client_msg_id", "thread_root_id"?})`,
acknowledged with the REST status and the message, or the error envelope;
`typing({"channel_id"})`; `activity({"active"})`, the client's heartbeat.
"""

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_socketio import ConnectionRefusedError as Refused
from flask_socketio import join_room
from marshmallow import ValidationError

from parley.envelope import error_body, service_error_body, validation_error_body
from parley.extensions import socketio
from parley.models import TokenKind
from parley.rate_limits import consume_user_budget
from parley.realtime import connection_limits
from parley.realtime.channel_events import V2_NAMESPACE, channel_room, resume, user_room
from parley.realtime.event_limits import on_client_event
from parley.realtime.lifecycle import on_lifecycle
from parley.realtime.presence_pushes import presence_pushes
from parley.realtime.typing_hints import typing_hints
from parley.schemas.v2 import (
    SocketAckSchema,
    SocketActivitySchema,
    SocketAuthSchema,
    SocketPostSchema,
    SocketTypingSchema,
)
from parley.services import channels, messages, presence, sockets, tokens
from parley.services.errors import ServiceError

_auth_schema = SocketAuthSchema()
_post_schema = SocketPostSchema()
_typing_schema = SocketTypingSchema()
_activity_schema = SocketActivitySchema()
_ack_schema = SocketAckSchema()
Ack = dict[str, Any]


def _ack(status: int, error: dict[str, Any]) -> Ack:
    """A post_message acknowledgement carrying an error."""
    ack: Ack = _ack_schema.dump({"status": status, "error": error})
    return ack


@on_lifecycle("connect", V2_NAMESPACE)
def connect(auth: object = None) -> None:
    """Admit a socket with a live access token; replay its cursors once it is connected."""
    try:
        fields = _auth_schema.load(auth if isinstance(auth, dict) else {})
    except ValidationError as error:
        raise _refusal(validation_error_body(400, {"auth": error.messages})) from None
    # Connecting is the client's doing (a reconnection, say), not its user's: seen, not active.
    token = tokens.authenticate(fields["token"], kinds=(TokenKind.ACCESS,), active=False)
    if token is None:
        raise _refusal(error_body(401, "Send a live access token as auth.token."))
    sid, user_id = request.sid, token.user_id  # type: ignore[attr-defined]
    connection_limits.admit_user(user_id, V2_NAMESPACE, user_room(user_id))
    sockets.register(sid, token)
    join_room(user_room(user_id))  # typing hints skip the typist's own devices
    for channel_id in channels.member_channel_ids(user_id):
        join_room(channel_room(channel_id))
    presence_pushes().welcome(sid, user_id)  # who is there now; changes follow
    # The replay waits for the connection to complete: events sent before it would
    # reach a client that does not consider itself connected yet.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    socketio.start_background_task(_resume_when_connected, app, sid, user_id, fields["cursors"])


def _refusal(envelope: dict[str, Any]) -> Refused:
    """A refused connection: clients get connect_error with `message` and, as `data`,
    the error envelope."""
    return Refused(envelope["message"], envelope)


def _resume_when_connected(app: Any, sid: str, user_id: int, cursors: dict[int, int]) -> None:
    manager = socketio.server.manager
    for _ in range(500):  # bounded: a socket that never completes its connection is gone
        if manager.is_connected(sid, V2_NAMESPACE):
            break
        socketio.sleep(0.01)
    else:
        return
    with app.app_context():
        resume(sid, user_id, cursors)


@on_lifecycle("disconnect", V2_NAMESPACE)
def disconnect(*reason: object) -> None:
    """Forget the socket."""
    sockets.unregister(request.sid)  # type: ignore[attr-defined]


def answered(handler: Callable[..., Ack]) -> Callable[..., Ack]:
    """Acknowledge a client event's bad data (400, naming the fields) and a service's
    refusal (its REST status and envelope) as REST would answer them."""

    @functools.wraps(handler)
    def answer(data: object = None) -> Ack:
        try:
            return handler(data)
        except ValidationError as error:
            return _ack(400, validation_error_body(400, {"data": error.messages}))
        except ServiceError as error:
            body, status = service_error_body(error)
            return _ack(status, body)

    return answer


@on_client_event("post_message", V2_NAMESPACE, ack=_ack)
@answered
def post_message(data: object = None) -> Ack:
    """Post as POST /channels/<id>/messages does: 201, or 200 for a retransmission."""
    user_id = sockets.user_of(request.sid)  # type: ignore[attr-defined]
    fields = _post_schema.load(data)
    refusal = consume_user_budget("post", user_id)
    if refusal is not None:
        return _ack(429, refusal)
    message, created = messages.send_message(
        user_id,
        fields["channel_id"],
        fields["source"],
        client_msg_id=fields["client_msg_id"],
        thread_root_id=fields.get("thread_root_id"),
    )
    ack: Ack = _ack_schema.dump({"status": 201 if created else 200, "message": message})
    return ack


@on_client_event("activity", V2_NAMESPACE, ack=_ack)
@answered
def activity(data: object = None) -> Ack:
    """The client is there (a heartbeat), and whether its user did anything since the
    last one: keeps them online, or brings them back from away (204)."""
    user_id = sockets.user_of(request.sid)  # type: ignore[attr-defined]
    active = _activity_schema.load(data)["active"]
    presence.seen(user_id, active=active)
    ack: Ack = _ack_schema.dump({"status": 204})
    return ack


@on_client_event("typing", V2_NAMESPACE, ack=_ack)
@answered
def typing(data: object = None) -> Ack:
    """The user types in a channel: its other members' sockets get `typing` (202), at
    most once per TYPING_THROTTLE_SECONDS per socket and channel (204: not sent)."""
    user_id = sockets.user_of(request.sid)  # type: ignore[attr-defined]
    channel_id = _typing_schema.load(data)["channel_id"]
    channels.joined_channel(user_id, channel_id)
    sent = typing_hints().hint(request.sid, user_id, channel_id)  # type: ignore[attr-defined]
    ack: Ack = _ack_schema.dump({"status": 202 if sent else 204})
    return ack
