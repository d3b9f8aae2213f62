"""v2 messages: history pages, post (idempotent), one message, edit, delete; events."""

from typing import Any

import orjson
from apifairy import arguments, authenticate, other_responses, response
from flask import Blueprint, current_app

from parley.api.auth import access_auth, current_user_id
from parley.api.decorators import json_body
from parley.api.route_limits import per_user
from parley.api.v2 import HIDDEN
from parley.json_provider import encode
from parley.schemas.v1 import EmptySchema
from parley.schemas.v2 import (
    EventsPageSchema,
    EventsQuerySchema,
    HistoryPageSchema,
    HistoryQuerySchema,
    MessageCreateSchema,
    MessageEditSchema,
    MessageSchema,
)
from parley.services import messages, replays

bp = Blueprint("messages", __name__)
message_schema = MessageSchema()
message_list_schema = MessageSchema(many=True)


@bp.get("/channels/<id:channel_id>/messages")
@authenticate(access_auth)
@arguments(HistoryQuerySchema())
@response(HistoryPageSchema())
@other_responses({404: HIDDEN})
def list_messages(query: dict[str, Any], channel_id: int) -> object:
    """A page of messages in seq order: the newest, or those `before`/`after` a seq."""
    limit = _page_size(query.get("limit"), "HISTORY_PAGE_SIZE", "HISTORY_PAGE_MAX")
    encoded_messages, more = messages.read_history(
        current_user_id(),
        channel_id,
        before=query.get("before"),
        after=query.get("after"),
        limit=limit,
        encode=lambda found: encode(message_list_schema.dump(found)),
    )
    # Kept encoded: a page served again from the read cache costs no dump either.
    return {"messages": orjson.Fragment(encoded_messages), "more": more}


@bp.post("/channels/<id:channel_id>/messages")
@authenticate(access_auth)
@per_user("post")
@json_body(MessageCreateSchema())
@response(message_schema, 201, description="Posted.")
@other_responses(
    {
        200: (MessageSchema, "A retransmission: the message first posted with this client_msg_id."),
        403: "Join the channel first.",
        404: HIDDEN,
    }
)
def post_message(data: dict[str, Any], channel_id: int) -> object:
    """Post a message (Markdown), or a reply in a thread (`thread_root_id`); resending the
    same client_msg_id never posts twice."""
    message, created = messages.send_message(
        current_user_id(),
        channel_id,
        data["source"],
        client_msg_id=data["client_msg_id"],
        thread_root_id=data.get("thread_root_id"),
    )
    return message, 201 if created else 200


@bp.get("/channels/<id:channel_id>/messages/<id:message_id>")
@authenticate(access_auth)
@response(message_schema)
@other_responses({404: "No such message in a channel you can see."})
def get_message(channel_id: int, message_id: int) -> object:
    """One message."""
    return messages.visible_message(current_user_id(), channel_id, message_id)


@bp.patch("/channels/<id:channel_id>/messages/<id:message_id>")
@authenticate(access_auth)
@per_user("edit")
@json_body(MessageEditSchema())
@response(message_schema)
@other_responses({403: "Not your message.", 404: "No such message in a channel you can see."})
def edit_message(data: dict[str, str], channel_id: int, message_id: int) -> object:
    """Change the source of one of your messages."""
    return messages.edit_message(current_user_id(), channel_id, message_id, data["source"])


@bp.delete("/channels/<id:channel_id>/messages/<id:message_id>")
@authenticate(access_auth)
@per_user("edit")
@response(EmptySchema(), 204, description="Deleted.")
@other_responses({403: "Not your message.", 404: "No such message in a channel you can see."})
def delete_message(channel_id: int, message_id: int) -> object:
    """Delete one of your messages."""
    messages.delete_message(current_user_id(), channel_id, message_id)
    return {}


@bp.get("/channels/<id:channel_id>/events")
@authenticate(access_auth)
@arguments(EventsQuerySchema())
@response(EventsPageSchema())
@other_responses({404: HIDDEN, 410: "The cursor is older than the events kept: resync."})
def list_events(query: dict[str, int], channel_id: int) -> object:
    """The channel's events after the last seq you saw, in order: the resume contract of
    the /v2 socket, over REST."""
    limit = _page_size(query.get("limit"), "REPLAY_PAGE_SIZE", "REPLAY_PAGE_SIZE")
    return replays.events_after(current_user_id(), channel_id, query["after"], limit)


def _page_size(asked: int | None, default_key: str, max_key: str) -> int:
    config = current_app.config
    return int(min(asked or config[default_key], config[max_key]))
