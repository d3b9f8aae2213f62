"""v1 users: sign up, list, show, update."""

from typing import Any

from apifairy import arguments, authenticate, other_responses, response
from flask import Blueprint, url_for

from parley.api.auth import current_user, token_auth, token_optional_auth
from parley.api.decorators import json_body
from parley.api.route_limits import per_address, per_user
from parley.models.base import to_timestamp
from parley.schemas.v1 import (
    EmptySchema,
    FlackUserSchema,
    UsersQuerySchema,
    UsersSchema,
    UserUpdateSchema,
)
from parley.services import users

bp = Blueprint("users", __name__)
user_schema = FlackUserSchema()


@bp.post("/users")
@per_address("sign-up")
@json_body(user_schema)
@response(user_schema, 201)
@other_responses({400: "Missing or invalid field, or nickname taken."})
def new_user(data: dict[str, str]) -> object:
    """Sign up."""
    user = users.create_user(data["nickname"], data["password"])
    return user, {"Location": url_for(".get_user", user_id=user.id, _external=True)}


@bp.get("/users")
@authenticate(token_optional_auth)
@arguments(UsersQuerySchema())
@response(UsersSchema())
def list_users(query: dict[str, Any]) -> object:
    """Users ordered by (updated_at, nickname), filtered by presence or change time."""
    found = users.list_users(online=query.get("online"), changed_from=query.get("changed_from"))
    # Flack's times were whole seconds: users changed within one second go by nickname.
    return {"users": sorted(found, key=lambda user: (to_timestamp(user.updated_at), user.nickname))}


@bp.get("/users/<id:user_id>")
@authenticate(token_optional_auth)
@response(user_schema)
@other_responses({404: "No such user."})
def get_user(user_id: int) -> object:
    """One user."""
    return users.get_user(user_id)


@bp.put("/users/<id:user_id>")
@authenticate(token_auth)
@per_user("edit")
@json_body(UserUpdateSchema())
@response(EmptySchema(), 204, description="Updated.")
@other_responses({403: "Not your user.", 404: "No such user."})
def edit_user(data: dict[str, str], user_id: int) -> object:
    """Change your nickname and/or password; a new password revokes your token."""
    users.update_user(current_user().id, user_id, **data)
    return {}
