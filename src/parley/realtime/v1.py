"""API v1 over Socket.IO: Flack's events on the default namespace.

Client -> server: `ping_user(token)` and `post_message({"source"}, token)`.
Server -> client: `updated_model`, from parley.realtime.emit. Handlers answer
through the ack: nothing, the message posted, or the error envelope.
"""

from typing import Any

from flask_socketio import join_room, rooms
from marshmallow import ValidationError

from parley.envelope import error_body, validation_error_body
from parley.models import TokenKind
from parley.rate_limits import consume_user_budget
from parley.realtime.emit import V1_NAMESPACE, user_room, users_in_rooms
from parley.realtime.event_limits import on_client_event
from parley.realtime.lifecycle import on_lifecycle
from parley.schemas.v1 import FlackMessageSchema
from parley.services import channels, messages, presence, tokens

_message_schema = FlackMessageSchema(link_prefix="/api")
Ack = dict[str, Any] | None


def _authenticate(secret: object) -> int | None:
    """The user id of a live v1 token; the user counts as seen.

    From the read cache while it holds the token: Flack's client sends its token
    with every event, and looking it up was a tenth of a post's cost.
    """
    if not isinstance(secret, str) or not secret:
        return None
    bearer = tokens.authenticate_bearer(secret, TokenKind.API)
    return None if bearer is None else bearer.user_id


def _unauthorized() -> dict[str, Any]:
    return error_body(401, "Send a valid token as the last argument.")


@on_client_event("ping_user", V1_NAMESPACE)
def ping_user(token: object = None) -> Ack:
    """Mark the user online and remember them on this socket, for disconnect."""
    user_id = _authenticate(token)
    if user_id is None:
        return _unauthorized()
    join_room(user_room(user_id))
    return None


@on_client_event("post_message", V1_NAMESPACE)
def post_message(data: object = None, token: object = None) -> Ack:
    """Post in the room, as POST /api/messages does; the ack carries the message."""
    user_id = _authenticate(token)
    if user_id is None:
        return _unauthorized()
    try:
        fields = _message_schema.load(data)
    except ValidationError as error:
        return validation_error_body(400, {"json": error.messages})
    refusal = consume_user_budget("post", user_id)
    if refusal is not None:
        return refusal
    message = messages.post_message(user_id, channels.default_channel_id(), fields["source"])
    body: dict[str, Any] = _message_schema.dump(message)
    return body


@on_lifecycle("connect", V1_NAMESPACE)
def on_connect(auth: object = None) -> None:
    """Admit a Flack socket (anonymous until ping_user names its user) within the
    connection limits."""


@on_lifecycle("disconnect", V1_NAMESPACE)
def on_disconnect(*reason: object) -> None:
    """A socket that had pinged its user takes the user offline, as in Flack."""
    for user_id in users_in_rooms(rooms()):
        presence.mark_offline(user_id)
