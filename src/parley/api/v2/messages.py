"""v2 messages: history pages, post (idempotent), one message, edit, delete; events."""

from typing import Any

import orjson
from apifairy import arguments, authenticate, other_responses, response
from flask import Blueprint, current_app

from parley.api.auth import access_auth, current_user, current_user_id
from parley.api.decorators import json_body
from parley.api.v2 import HIDDEN
from parley.json_provider import encode
from parley.rate_limits import per_user
from parley.read_cache import CHANNEL_PAGES, read_cache
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
from parley.services import channels, history, messages

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
    channels.check_visible(current_user_id(), channel_id)
    limit = _page_size(query.get("limit"), "HISTORY_PAGE_SIZE", "HISTORY_PAGE_MAX")
    return _history_page(channel_id, query.get("before"), query.get("after"), limit)


def _history_page(channel_id: int, before: int | None, after: int | None, limit: int) -> object:
    """The page, from the read cache when this process has served it and it is final:
    its messages are kept encoded, so serving it again costs no query and no dump."""
    cached = read_cache()
    key = ("history", channel_id, before, after, limit)
    page: tuple[bytes, bool] | None = cached.get(key) if cached is not None else None
    if page is None:
        stamp = cached.stamp(CHANNEL_PAGES) if cached is not None else None
        channel = channels.get_channel(channel_id)  # before the page: see page_is_final
        found, more = messages.history_page(channel, before=before, after=after, limit=limit)
        page = (encode(message_list_schema.dump(found)), more)
        final = messages.page_is_final(channel, before=before, after=after, more=more)
        if cached is not None and stamp is not None and final:
            cached.put(key, page, CHANNEL_PAGES, channel_id, stamp)
    encoded_messages, more = page
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
def post_message(data: dict[str, str], channel_id: int) -> object:
    """Post a message (Markdown); resending the same client_msg_id never posts twice."""
    user_id = current_user_id()
    channels.check_visible(user_id, channel_id)
    message, created = messages.send_message(
        user_id, channel_id, data["source"], client_msg_id=data["client_msg_id"]
    )
    return message, 201 if created else 200


@bp.get("/channels/<id:channel_id>/messages/<id:message_id>")
@authenticate(access_auth)
@response(message_schema)
@other_responses({404: "No such message in a channel you can see."})
def get_message(channel_id: int, message_id: int) -> object:
    """One message."""
    channel = channels.visible_channel(current_user(), channel_id)
    return messages.get_message(channel, message_id)


@bp.patch("/channels/<id:channel_id>/messages/<id:message_id>")
@authenticate(access_auth)
@per_user("edit")
@json_body(MessageEditSchema())
@response(message_schema)
@other_responses({403: "Not your message.", 404: "No such message in a channel you can see."})
def edit_message(data: dict[str, str], channel_id: int, message_id: int) -> object:
    """Change the source of one of your messages."""
    user = current_user()
    message = messages.get_message(channels.visible_channel(user, channel_id), message_id)
    messages.edit_message(message, user, data["source"])
    return message


@bp.delete("/channels/<id:channel_id>/messages/<id:message_id>")
@authenticate(access_auth)
@per_user("edit")
@response(EmptySchema(), 204, description="Deleted.")
@other_responses({403: "Not your message.", 404: "No such message in a channel you can see."})
def delete_message(channel_id: int, message_id: int) -> object:
    """Delete one of your messages."""
    user = current_user()
    message = messages.get_message(channels.visible_channel(user, channel_id), message_id)
    messages.delete_message(message, user)
    return {}


@bp.get("/channels/<id:channel_id>/events")
@authenticate(access_auth)
@arguments(EventsQuerySchema())
@response(EventsPageSchema())
@other_responses({404: HIDDEN, 410: "The cursor is older than the events kept: resync."})
def list_events(query: dict[str, int], channel_id: int) -> object:
    """The channel's events after the last seq you saw, in order: the resume contract of
    the /v2 socket, over REST."""
    channel = channels.visible_channel(current_user(), channel_id)
    limit = _page_size(query.get("limit"), "REPLAY_PAGE_SIZE", "REPLAY_PAGE_SIZE")
    events, more = history.replay(channel, query["after"], limit)
    return {"events": events, "last_seq": channel.last_seq, "more": more}


def _page_size(asked: int | None, default_key: str, max_key: str) -> int:
    config = current_app.config
    return int(min(asked or config[default_key], config[max_key]))
