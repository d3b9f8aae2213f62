"""v1 messages: the single room of Flack, which is the default channel."""

from datetime import timedelta
from typing import Any

from apifairy import arguments, authenticate, other_responses, response
from flask import Blueprint, current_app, url_for

from parley.api.async_request import async_request
from parley.api.auth import current_user, current_user_id, token_auth, token_optional_auth
from parley.api.decorators import json_body
from parley.api.route_limits import per_user
from parley.job_runner import operation_key
from parley.models.base import utcnow
from parley.schemas.jobs import JobSchema
from parley.schemas.v1 import EmptySchema, FlackMessageSchema, MessagesQuerySchema, MessagesSchema
from parley.services import channels, messages

bp = Blueprint("messages", __name__)
message_schema = FlackMessageSchema()
# Writes are asynchronous, as in Flack: 202, then poll Flack's status URL.
V1_STATUS_ENDPOINT = "jobs.v1_status"
QUEUED = "Queued: poll `Location` for the answer."


@bp.post("/messages")
@authenticate(token_auth)
@per_user("post")
@json_body(message_schema)
@async_request(V1_STATUS_ENDPOINT)
@response(message_schema, 201, description="The answer at `Location` once the job ran.")
@other_responses({202: (JobSchema, QUEUED), 400: "Missing or invalid source."})
def new_message(data: dict[str, str]) -> object:
    """Post a message (Markdown) in the room, asynchronously as Flack did."""
    message = messages.post_message(
        current_user_id(),
        channels.default_channel_id(),
        data["source"],
        client_msg_id=operation_key(),
    )
    return message, {"Location": url_for(".get_message", message_id=message.id, _external=True)}


@bp.get("/messages")
@authenticate(token_optional_auth)
@arguments(MessagesQuerySchema())
@response(MessagesSchema())
def list_messages(query: dict[str, Any]) -> object:
    """Messages changed after `updated_since`, oldest first, never older than 24 hours."""
    window_start = utcnow() - timedelta(seconds=current_app.config["V1_MESSAGE_WINDOW"])
    since = max(query.get("changed_from", window_start), window_start)
    return {"messages": messages.list_changed_from(channels.default_channel_id(), since)}


@bp.get("/messages/<id:message_id>")
@authenticate(token_optional_auth)
@response(message_schema)
@other_responses({404: "No such message."})
def get_message(message_id: int) -> object:
    """One message."""
    return messages.get_message(channels.default_channel_id(), message_id)


@bp.put("/messages/<id:message_id>")
@authenticate(token_auth)
@per_user("edit")
@json_body(message_schema)
@async_request(V1_STATUS_ENDPOINT)
@response(EmptySchema(), 204, description="Updated: the answer at `Location` once the job ran.")
@other_responses({202: (JobSchema, QUEUED), 403: "Not your message.", 404: "No such message."})
def edit_message(data: dict[str, str], message_id: int) -> object:
    """Change the source of one of your messages, asynchronously as Flack did."""
    messages.edit_message(
        current_user().id, channels.default_channel_id(), message_id, data["source"]
    )
    return {}
