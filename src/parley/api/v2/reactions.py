"""v2 reactions: react to a message with an emoji, and take it back."""

from apifairy import authenticate, other_responses, response
from flask import Blueprint

from parley.api.auth import access_auth, current_user_id
from parley.api.route_limits import per_user
from parley.schemas.v2 import MessageSchema
from parley.services import reactions

bp = Blueprint("reactions", __name__)
REACTION_ERRORS = {
    400: "Not one emoji (`errors.emoji`).",
    403: "Not a member of the channel.",
    404: "No such message in a channel you can see.",
}
PATH = "/channels/<id:channel_id>/messages/<id:message_id>/reactions/<emoji>"


@bp.put(PATH)
@authenticate(access_auth)
@per_user("react")
@response(MessageSchema(), description="Reacted (already: unchanged).")
@other_responses({**REACTION_ERRORS, 409: "The message has REACTIONS_PER_MESSAGE_MAX emoji."})
def add_reaction(channel_id: int, message_id: int, emoji: str) -> object:
    """React to a message with one emoji (in the path, URL-encoded); members get
    `reaction_added` with the message and its reactions."""
    return reactions.react(current_user_id(), channel_id, message_id, emoji, True)


@bp.delete(PATH)
@authenticate(access_auth)
@per_user("react")
@response(MessageSchema(), description="Taken back (none: unchanged).")
@other_responses(REACTION_ERRORS)
def remove_reaction(channel_id: int, message_id: int, emoji: str) -> object:
    """Take your reaction back; members get `reaction_removed`."""
    return reactions.react(current_user_id(), channel_id, message_id, emoji, False)
