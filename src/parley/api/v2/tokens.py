"""v2 tokens: sign in with HTTP Basic, refresh by trading the refresh token, sign out.

Browsers ask for the refresh token as a cookie (`refresh_in=cookie`): HttpOnly, so no
page script (nor an injected one) can read it; SameSite=Strict, so no other site's page
sends it. Over TLS it is `__Host-parley_refresh`: Secure, for this host name only and
`Path=/` (the prefix demands both), so a page of a sibling subdomain or on plain HTTP
cannot plant one of its own (cookie fixation), and only this route reads it. Over plain
HTTP (the embedded default on loopback) the prefix cannot be had: it is
`parley_refresh`, scoped to this route's path. Trading it takes a JSON body, which a
cross-site form cannot send.
"""

from typing import Any

from apifairy import arguments, authenticate, other_responses, response
from flask import Blueprint, Response, after_this_request, current_app, request

from parley.api.auth import access_auth, basic_auth, current_token, current_user_id
from parley.api.decorators import json_body
from parley.api.errors import FieldError
from parley.api.route_limits import remember_sign_in, sign_in_limited
from parley.schemas.v1 import EmptySchema
from parley.schemas.v2 import RefreshSchema, TokenDeliverySchema, TokenPairSchema
from parley.services import sessions
from parley.services.errors import UnauthorizedError
from parley.services.sessions import TokenPair

bp = Blueprint("tokens", __name__)
pair_schema = TokenPairSchema()
REFRESH_COOKIE = "parley_refresh"
REFRESH_COOKIE_PATH = "/api/v2/tokens"
SECURE_REFRESH_COOKIE = "__Host-parley_refresh"
MISSING = "Send refresh_token, or the refresh cookie with refresh_in=cookie."


@bp.post("/tokens")
@sign_in_limited
@authenticate(basic_auth)
@arguments(TokenDeliverySchema())
@response(pair_schema, 201, description="A new session: its first token pair.")
def sign_in(query: dict[str, str]) -> object:
    """Sign in: a short-lived access token and a single-use refresh token."""
    remember_sign_in()
    return _deliver(sessions.sign_in(current_user_id()), query["refresh_in"])


@bp.put("/tokens")
@arguments(TokenDeliverySchema())
@json_body(RefreshSchema())
@response(pair_schema, description="The session's next token pair.")
@other_responses({401: "Not a live refresh token. A spent one also ends its session."})
def refresh(query: dict[str, str], data: dict[str, str]) -> object:
    """Trade the refresh token for the next pair; each refresh token works once."""
    by_cookie = query["refresh_in"] == "cookie"
    secret = data.get("refresh_token")
    if secret is None and by_cookie:
        secret = request.cookies.get(refresh_cookie()[0])
    if not secret:
        raise FieldError("refresh_token", MISSING)
    try:
        pair = sessions.refresh(secret)
    except UnauthorizedError:
        if by_cookie:  # a dead cookie is of no more use to the browser
            after_this_request(_clear_cookie)
        raise
    return _deliver(pair, query["refresh_in"])


@bp.delete("/tokens")
@authenticate(access_auth)
@response(EmptySchema(), 204, description="Signed out (and the refresh cookie cleared).")
def sign_out() -> object:
    """Sign out: revoke this session's tokens and disconnect its sockets."""
    token = current_token()
    assert token.family is not None  # access tokens always belong to a family
    sessions.revoke_family(token.user_id, token.family)
    after_this_request(_clear_cookie)
    return {}


def _deliver(pair: TokenPair, refresh_in: str) -> Any:
    """The pair as the client asked for it: the refresh token in the body, or in the cookie."""
    if refresh_in == "body":
        return pair
    secret = pair.refresh_token

    name, path = refresh_cookie()

    def set_cookie(answer: Response) -> Response:
        answer.set_cookie(
            name,
            secret,
            max_age=current_app.config["REFRESH_TOKEN_SECONDS"],
            path=path,
            secure=request.is_secure,
            httponly=True,
            samesite="Strict",
        )
        return answer

    after_this_request(set_cookie)
    return {**vars(pair), "refresh_token": None}


def refresh_cookie() -> tuple[str, str]:
    """The refresh cookie's name and path for this request: `__Host-` over TLS."""
    if request.is_secure:
        return SECURE_REFRESH_COOKIE, "/"
    return REFRESH_COOKIE, REFRESH_COOKIE_PATH


def _clear_cookie(answer: Response) -> Response:
    name, path = refresh_cookie()
    answer.delete_cookie(
        name,
        path=path,
        secure=request.is_secure,
        httponly=True,
        samesite="Strict",
    )
    return answer
