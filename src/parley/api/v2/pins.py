"""v2 pins: pin and unpin a message, and a channel's pinned messages."""

from apifairy import authenticate, other_responses, response
from flask import Blueprint

from parley.api.auth import access_auth, current_user_id
from parley.api.route_limits import per_user
from parley.api.v2 import HIDDEN
from parley.schemas.v2 import MessageSchema, PinListSchema
from parley.services import pins

bp = Blueprint("pins", __name__)
PIN_ERRORS = {
    403: "Not a member; or, in a private channel, not an owner.",
    404: "No such message in a channel you can see.",
}


@bp.put("/channels/<id:channel_id>/messages/<id:message_id>/pin")
@authenticate(access_auth)
@per_user("edit")
@response(MessageSchema(), description="Pinned (already pinned: unchanged).")
@other_responses({**PIN_ERRORS, 409: "The channel holds PINS_PER_CHANNEL_MAX pins already."})
def pin_message(channel_id: int, message_id: int) -> object:
    """Pin a message to its channel; members get `message_pinned`."""
    return pins.set_pinned(current_user_id(), channel_id, message_id, True)


@bp.delete("/channels/<id:channel_id>/messages/<id:message_id>/pin")
@authenticate(access_auth)
@per_user("edit")
@response(MessageSchema(), description="Unpinned (not pinned: unchanged).")
@other_responses(PIN_ERRORS)
def unpin_message(channel_id: int, message_id: int) -> object:
    """Unpin a message; members get `message_unpinned`."""
    return pins.set_pinned(current_user_id(), channel_id, message_id, False)


@bp.get("/channels/<id:channel_id>/pins")
@authenticate(access_auth)
@response(PinListSchema())
@other_responses({404: HIDDEN})
def list_pins(channel_id: int) -> object:
    """The channel's pinned messages, the latest pinned first."""
    return {"messages": pins.pinned_messages(current_user_id(), channel_id)}
