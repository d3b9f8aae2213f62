"""v2 tokens: sign in with HTTP Basic, refresh by trading the refresh token, sign out."""

from apifairy import authenticate, other_responses, response
from flask import Blueprint

from parley.api.auth import access_auth, basic_auth, current_token, current_user
from parley.api.decorators import json_body
from parley.rate_limits import remember_sign_in, sign_in_limited
from parley.schemas.v1 import EmptySchema
from parley.schemas.v2 import RefreshSchema, TokenPairSchema
from parley.services import sessions

bp = Blueprint("tokens", __name__)
pair_schema = TokenPairSchema()


@bp.post("/tokens")
@sign_in_limited
@authenticate(basic_auth)
@response(pair_schema, 201, description="A new session: its first token pair.")
def sign_in() -> object:
    """Sign in: a short-lived access token and a single-use refresh token."""
    remember_sign_in()
    return sessions.sign_in(current_user())


@bp.put("/tokens")
@json_body(RefreshSchema())
@response(pair_schema, description="The session's next token pair.")
@other_responses({401: "Not a live refresh token. A spent one also ends its session."})
def refresh(data: dict[str, str]) -> object:
    """Trade the refresh token for the next pair; each refresh token works once."""
    return sessions.refresh(data["refresh_token"])


@bp.delete("/tokens")
@authenticate(access_auth)
@response(EmptySchema(), 204, description="Signed out.")
def sign_out() -> object:
    """Sign out: revoke this session's tokens and disconnect its sockets."""
    token = current_token()
    assert token.family is not None  # access tokens always belong to a family
    sessions.revoke_family(token.user_id, token.family)
    return {}
