"""The one module that emits v1 events: domain events in, Socket.IO events out.

Every web process's relay (parley.changes.relay) delivers each committed change
here; this module loads what changed and pushes it to its audience among the sockets
that process holds, through parley.realtime.broadcast, which logs a failed push and
never raises: the write it reports is already committed and acknowledged.
"""

from typing import Any

from parley.changes import events
from parley.extensions import db
from parley.models import Message, User
from parley.realtime.broadcast import broadcast
from parley.schemas.v1 import FlackMessageSchema, FlackUserSchema
from parley.services import channels

V1_NAMESPACE = "/"
_USER_ROOM_PREFIX = "user:"
# Pushes are the same whichever API the change came through: Flack's /api links.
_v1_user = FlackUserSchema(link_prefix="/api")
_v1_message = FlackMessageSchema(link_prefix="/api")


def user_room(user_id: int) -> str:
    """The room holding every socket a user has identified on."""
    return f"{_USER_ROOM_PREFIX}{user_id}"


def users_in_rooms(room_names: list[str]) -> list[int]:
    """The user ids whose rooms are among these."""
    return [
        int(name.removeprefix(_USER_ROOM_PREFIX))
        for name in room_names
        if name.startswith(_USER_ROOM_PREFIX)
    ]


def updated_model_payload(model: User | Message) -> dict[str, Any]:
    """Flack's `updated_model` payload: the class name and the REST JSON."""
    if isinstance(model, User):
        return {"class": "User", "model": _v1_user.dump(model)}
    return {"class": "Message", "model": _v1_message.dump(model)}


def emit_updated_model(model: User | Message) -> None:
    """Push a changed user or message to every v1 socket this process holds."""
    _push("updated_model", updated_model_payload(model))


def _push(event: str, payload: dict[str, Any], to: str | None = None) -> None:
    """Push on the v1 namespace, to one room or to every socket."""
    broadcast(event, payload, V1_NAMESPACE, to)


def on_domain_event(event: events.DomainEvent) -> None:
    """Route one committed change to the sockets that may see it."""
    match event:
        case events.UserCreated(user_id) | events.UserUpdated(user_id):
            user = db.session.get(User, user_id)
            if user is not None:
                emit_updated_model(user)
        case events.MessagePosted(message_id, channel_id) | events.MessageEdited(
            message_id, channel_id, _
        ):
            # v1 sockets live in Flack's single room: the default channel only.
            if channel_id == channels.default_channel_id():
                message = db.session.get(Message, message_id)
                if message is not None:
                    emit_updated_model(message)
        case events.JobFinished(job_id, user_id):
            # Only the owner's sockets (those that identified with a token).
            _push(events.JobFinished.facts.v1 or "", {"id": job_id}, to=user_room(user_id))


# Flack's clients hear of users, messages and their jobs (in the event its facts name);
# they know no deletions, pins, channels, read markers or mentions, and sessions end by
# token checks.
SUBSCRIBER = events.Subscriber(
    "v1 pushes",
    on_domain_event,
    handles=events.types_where(lambda facts: facts.v1 is not None),
    relayed=True,
)
