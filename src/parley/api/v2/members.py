"""v2 memberships: join, leave, invite, remove, list; read markers."""

from apifairy import authenticate, other_responses, response
from flask import Blueprint

from parley.api.auth import access_auth, current_user_id
from parley.api.decorators import json_body
from parley.api.route_limits import per_user
from parley.api.v2 import HIDDEN
from parley.schemas.v1 import EmptySchema
from parley.schemas.v2 import (
    ChannelSchema,
    MemberListSchema,
    ReadMarkerSchema,
    ReadStateSchema,
    UserRefSchema,
)
from parley.services import channels, read_markers

bp = Blueprint("members", __name__)


@bp.get("/channels/<id:channel_id>/members")
@authenticate(access_auth)
@response(MemberListSchema())
@other_responses({404: HIDDEN})
def list_members(channel_id: int) -> object:
    """The channel's members, oldest first."""
    return {"members": channels.members_of(current_user_id(), channel_id)}


@bp.put("/channels/<id:channel_id>/members/me")
@authenticate(access_auth)
@per_user("membership")
@response(ChannelSchema(), description="You are a member.")
@other_responses({403: "Private and direct channels are joined by invitation.", 404: HIDDEN})
def join_channel(channel_id: int) -> object:
    """Join a public channel (again: nothing changes)."""
    return channels.join(current_user_id(), channel_id)


@bp.post("/channels/<id:channel_id>/members")
@authenticate(access_auth)
@per_user("membership")
@json_body(UserRefSchema())
@response(EmptySchema(), 204, description="The user is a member.")
@other_responses({403: "Only members invite; not into direct channels.", 404: HIDDEN})
def invite_member(data: dict[str, int], channel_id: int) -> object:
    """Add another user to a channel you belong to."""
    channels.invite(current_user_id(), channel_id, data["user_id"])
    return {}


@bp.delete("/channels/<id:channel_id>/members/<id:user_id>")
@authenticate(access_auth)
@per_user("membership")
@response(EmptySchema(), 204, description="No longer a member.")
@other_responses({403: "Only owners remove others; some channels cannot be left.", 404: HIDDEN})
def remove_member(channel_id: int, user_id: int) -> object:
    """Leave (your own id) or, as an owner, remove a member."""
    channels.remove(current_user_id(), channel_id, user_id)
    return {}


@bp.put("/channels/<id:channel_id>/read")
@authenticate(access_auth)
@per_user("read")
@json_body(ReadMarkerSchema())
@response(ReadStateSchema(), description="Your marker (it never moves back) and the count.")
@other_responses(
    {
        400: "`seq` is past the channel's last seq.",
        403: "Join the channel first.",
        404: HIDDEN,
    }
)
def mark_read(data: dict[str, int], channel_id: int) -> object:
    """Mark the channel read up to a seq; your sockets get `read_marker`."""
    return read_markers.mark_read(current_user_id(), channel_id, data["seq"])
