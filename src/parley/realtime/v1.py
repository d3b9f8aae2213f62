"""API v1 over Socket.IO: Flack's events on the default namespace.

Client -> server: `ping_user(token)` and `post_message({"source"}, token)`.
Server -> client: `updated_model`, from parley.realtime.emit. Handlers answer
through the ack: nothing, the message posted, or the error envelope.
"""

from typing import Any

from flask_socketio import join_room, rooms
from marshmallow import ValidationError

from parley.api.errors import error_body, validation_error_body
from parley.extensions import db, socketio
from parley.models import User
from parley.realtime.emit import V1_NAMESPACE, user_room, users_in_rooms
from parley.schemas.v1 import FlackMessageSchema
from parley.services import channels, messages, presence, tokens

_message_schema = FlackMessageSchema(link_prefix="/api")
Ack = dict[str, Any] | None


def _authenticate(secret: object) -> User | None:
    """The user of a live token; the user counts as seen."""
    token = tokens.authenticate(secret) if isinstance(secret, str) and secret else None
    return None if token is None else token.user


def _unauthorized() -> dict[str, Any]:
    return error_body(401, "Send a valid token as the last argument.")


@socketio.on("ping_user", namespace=V1_NAMESPACE)
def ping_user(token: object = None) -> Ack:
    """Mark the user online and remember them on this socket, for disconnect."""
    user = _authenticate(token)
    if user is None:
        return _unauthorized()
    join_room(user_room(user.id))
    return None


@socketio.on("post_message", namespace=V1_NAMESPACE)
def post_message(data: object = None, token: object = None) -> Ack:
    """Post in the room, as POST /api/messages does; the ack carries the message."""
    user = _authenticate(token)
    if user is None:
        return _unauthorized()
    try:
        fields = _message_schema.load(data)
    except ValidationError as error:
        return validation_error_body(400, {"json": error.messages})
    message = messages.post_message(user, channels.default_channel_id(), fields["source"])
    body: dict[str, Any] = _message_schema.dump(message)
    return body


@socketio.on("disconnect", namespace=V1_NAMESPACE)
def on_disconnect(*reason: object) -> None:
    """A socket that had pinged its user takes the user offline, as in Flack."""
    for user_id in users_in_rooms(rooms()):
        user = db.session.get(User, user_id)
        if user is not None:
            presence.mark_offline(user)
