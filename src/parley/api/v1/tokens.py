"""v1 tokens: HTTP Basic to get one, Bearer to revoke it."""

from apifairy import authenticate, response
from flask import Blueprint

from parley.api.auth import basic_auth, current_token, current_user_id, token_auth
from parley.api.route_limits import remember_sign_in, sign_in_limited
from parley.schemas.v1 import EmptySchema, TokenSchema
from parley.services import tokens

bp = Blueprint("tokens", __name__)


@bp.post("/tokens")
@sign_in_limited
@authenticate(basic_auth)
@response(TokenSchema())
def new_token() -> object:
    """Your bearer token: the same one until you revoke it."""
    remember_sign_in()
    return {"token": tokens.issue_api_token(current_user_id())}


@bp.delete("/tokens")
@authenticate(token_auth)
@response(EmptySchema(), 204, description="Revoked.")
def revoke_token() -> object:
    """Revoke the token this request was made with."""
    tokens.revoke(current_token())
    return {}
