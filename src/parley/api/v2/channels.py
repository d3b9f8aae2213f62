"""v2 channels: list, create, open a direct channel, look one up."""

from typing import Any

from apifairy import authenticate, other_responses, response
from flask import Blueprint

from parley.api.auth import access_auth, current_user_id
from parley.api.decorators import json_body
from parley.api.route_limits import per_user
from parley.api.v2 import HIDDEN
from parley.schemas.v2 import (
    ChannelCreateSchema,
    ChannelListSchema,
    ChannelSchema,
    UserRefSchema,
)
from parley.services import channels

bp = Blueprint("channels", __name__)
channel_schema = ChannelSchema()


@bp.get("/channels")
@authenticate(access_auth)
@response(ChannelListSchema())
def list_channels() -> object:
    """Every public channel, and every private and direct channel you belong to."""
    return {"channels": channels.channels_of(current_user_id())}


@bp.post("/channels")
@authenticate(access_auth)
@per_user("channel")
@json_body(ChannelCreateSchema())
@response(channel_schema, 201, description="Created; you are its owner.")
@other_responses({409: "The name is taken."})
def create_channel(data: dict[str, Any]) -> object:
    """Create a public or private channel."""
    user_id = current_user_id()
    channel = channels.create_channel(user_id, data["name"], data["kind"], data["topic"])
    return channels.view_of(user_id, channel.id)


@bp.post("/channels/direct")
@authenticate(access_auth)
@per_user("channel")
@json_body(UserRefSchema())
@response(channel_schema, description="The existing direct channel.")
@other_responses({201: (ChannelSchema, "Created."), 404: "No such user.", 409: "That is you."})
def open_direct(data: dict[str, int]) -> object:
    """The direct channel between you and another user, created on first use."""
    user_id = current_user_id()
    channel, created = channels.open_direct(user_id, data["user_id"])
    return channels.view_of(user_id, channel.id), 201 if created else 200


@bp.get("/channels/<id:channel_id>")
@authenticate(access_auth)
@response(channel_schema)
@other_responses({404: HIDDEN})
def get_channel(channel_id: int) -> object:
    """One channel."""
    return channels.view_of(current_user_id(), channel_id)
