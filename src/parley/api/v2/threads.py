"""v2 threads: a thread's replies, following it, reading it, and the threads you follow.
Replies are posted as messages with `thread_root_id` (POST /channels/<id>/messages)."""

from typing import Any

from apifairy import arguments, authenticate, other_responses, response
from flask import Blueprint, current_app

from parley.api.auth import access_auth, current_user_id
from parley.api.decorators import json_body
from parley.api.route_limits import per_user
from parley.schemas.v2 import (
    FollowedThreadListSchema,
    ReadMarkerSchema,
    ThreadPageSchema,
    ThreadQuerySchema,
    ThreadStateSchema,
)
from parley.services import threads

bp = Blueprint("threads", __name__)
THREAD = "/channels/<id:channel_id>/messages/<id:message_id>"
NOT_A_THREAD = {404: "No such message in a channel you can see, or it is a reply."}
MEMBERS_ONLY = {403: "Not a member of the channel.", **NOT_A_THREAD}
state_schema = ThreadStateSchema()


@bp.get(f"{THREAD}/replies")
@authenticate(access_auth)
@arguments(ThreadQuerySchema())
@response(ThreadPageSchema())
@other_responses(NOT_A_THREAD)
def thread_replies(query: dict[str, Any], channel_id: int, message_id: int) -> object:
    """A thread: its root and a page of its replies, oldest first."""
    config = current_app.config
    limit = min(query.get("limit") or config["HISTORY_PAGE_SIZE"], config["HISTORY_PAGE_MAX"])
    root, found, more = threads.thread_page(
        current_user_id(), channel_id, message_id, after=query.get("after"), limit=limit
    )
    return {"root": root, "messages": found, "more": more}


@bp.put(f"{THREAD}/follow")
@authenticate(access_auth)
@per_user("read")
@response(state_schema, description="Following (already: unchanged).")
@other_responses(MEMBERS_ONLY)
def follow(channel_id: int, message_id: int) -> object:
    """Follow a thread: its replies count as unread for you from now on."""
    return threads.set_following(current_user_id(), channel_id, message_id, True)


@bp.delete(f"{THREAD}/follow")
@authenticate(access_auth)
@per_user("read")
@response(state_schema, description="Not following (nor before: unchanged).")
@other_responses(MEMBERS_ONLY)
def unfollow(channel_id: int, message_id: int) -> object:
    """Stop following a thread."""
    return threads.set_following(current_user_id(), channel_id, message_id, False)


@bp.put(f"{THREAD}/replies/read")
@authenticate(access_auth)
@per_user("read")
@json_body(ReadMarkerSchema())
@response(state_schema)
@other_responses({**MEMBERS_ONLY, 403: "Not following the thread, or not a member."})
def read_thread(data: dict[str, int], channel_id: int, message_id: int) -> object:
    """Mark the thread read up to a reply's `seq` (never back); your sockets get
    `thread_read`."""
    return threads.mark_thread_read(current_user_id(), channel_id, message_id, data["seq"])


@bp.get("/users/me/threads")
@authenticate(access_auth)
@response(FollowedThreadListSchema())
def my_threads() -> object:
    """The threads you follow in channels you belong to, the latest reply first, with
    your unread replies in each."""
    return {"threads": threads.followed_threads(current_user_id())}
