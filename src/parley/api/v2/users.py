"""v2 users: sign up, look up, the directory."""

from typing import Any

from apifairy import arguments, authenticate, other_responses, response
from flask import Blueprint, current_app

from parley.api.auth import access_auth, current_user, current_user_id
from parley.api.decorators import json_body
from parley.api.route_limits import per_address
from parley.schemas.v2 import (
    MentionListSchema,
    MentionQuerySchema,
    MeSchema,
    SignUpSchema,
    UserSchema,
    UsersPageSchema,
    UsersQuerySchema,
)
from parley.services import mentions, users

bp = Blueprint("users", __name__)
user_schema = UserSchema()


@bp.post("/users")
@per_address("sign-up")
@json_body(SignUpSchema())
@response(user_schema, 201, description="Signed up.")
@other_responses({409: "The nickname is taken."})
def sign_up(data: dict[str, str]) -> object:
    """Sign up; then sign in with POST /tokens."""
    return users.create_user(data["nickname"], data["password"])


@bp.get("/users")
@authenticate(access_auth)
@arguments(UsersQuerySchema())
@response(UsersPageSchema())
def list_users(query: dict[str, Any]) -> object:
    """The user directory: nicknames starting with `q`, a page at a time."""
    config = current_app.config
    limit = min(query.get("limit") or config["USERS_PAGE_SIZE"], config["USERS_PAGE_MAX"])
    found, more = users.search_users(query["q"], after=query.get("after"), limit=limit)
    return {"users": found, "more": more}


@bp.get("/users/me")
@authenticate(access_auth)
@response(MeSchema())
def me() -> object:
    """The signed-in user."""
    return current_user()


@bp.get("/users/me/mentions")
@authenticate(access_auth)
@arguments(MentionQuerySchema())
@response(MentionListSchema())
def my_mentions(query: dict[str, Any]) -> object:
    """Messages that name you, newest first, in the channels you belong to: a page at a
    time (ask again with `before` = the last one's id)."""
    config = current_app.config
    limit = min(query.get("limit") or config["HISTORY_PAGE_SIZE"], config["HISTORY_PAGE_MAX"])
    found, more = mentions.mentions_of(current_user_id(), before=query.get("before"), limit=limit)
    return {"messages": found, "more": more}


@bp.get("/users/<id:user_id>")
@authenticate(access_auth)
@response(user_schema)
@other_responses({404: "No such user."})
def get_user(user_id: int) -> object:
    """One user."""
    return users.get_user(user_id)
