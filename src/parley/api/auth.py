"""Authentication: HTTP Basic to obtain a token, Bearer tokens for everything else.

Every successful authentication marks the user as seen (online), as Flack did.
"""

import re
from typing import Any

from flask import Response, g, request
from flask_httpauth import HTTPBasicAuth, HTTPTokenAuth

from parley.envelope import error_response
from parley.extensions import db
from parley.models import Token, TokenKind, User
from parley.services import tokens, users
from parley.services.errors import UnauthorizedError

REALM = "Authentication Required"
# Basic auth answers with a Bearer challenge too, so browsers never pop up a login box.
CHALLENGE = {"WWW-Authenticate": f'Bearer realm="{REALM}"'}


class OptionalTokenAuth(HTTPTokenAuth):  # type: ignore[misc]
    """Anonymous without a token, 401 with a bad one: Flack's public routes.

    Flask-HTTPAuth's own `optional=True` would treat a bad token as anonymous.
    """

    def authenticate(self, auth: Any, stored_password: Any) -> Any:
        """Let a request without a Bearer token through as anonymous."""
        if getattr(auth, "token", None) is None:
            return True
        return super().authenticate(auth, stored_password)


basic_auth = HTTPBasicAuth(realm=REALM)
# v1: Flack's long-lived token.
token_auth = HTTPTokenAuth(scheme="Bearer", realm=REALM)
token_optional_auth = OptionalTokenAuth(scheme="Bearer", realm=REALM)
# v2: a short-lived access token; refresh tokens never authenticate a request.
access_auth = HTTPTokenAuth(scheme="Bearer", realm=REALM)
# Shared routes (job status): either version's token.
any_token_auth = HTTPTokenAuth(scheme="Bearer", realm=REALM)


@basic_auth.verify_password
def verify_password(nickname: str, password: str) -> User | None:
    """Check nickname and password; the user counts as seen. The header must be exactly
    `Basic <base64>` (RFC 7617): the decoder would skip whatever else follows."""
    if not _BASIC.fullmatch(request.headers.get("Authorization", "")):
        return None
    return users.authenticate(nickname, password)


_BASIC = re.compile(r"(?i:basic) (?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


@token_auth.verify_token
@token_optional_auth.verify_token
def verify_token(secret: str) -> User | None:
    """Find the live v1 token; the user counts as seen."""
    return _user_of(tokens.authenticate(secret, (TokenKind.API,)))


@access_auth.verify_token
def verify_access_token(secret: str) -> tokens.Bearer | None:
    """Find the live v2 access token; the user counts as seen.

    The user is loaded only when a view asks for it (current_user): the hottest
    routes need no more than the user's id.
    """
    return tokens.authenticate_bearer(secret, TokenKind.ACCESS)


@any_token_auth.verify_token
def verify_any_token(secret: str) -> User | None:
    """Find a live v1 or v2 access token; the user counts as seen."""
    return _user_of(tokens.authenticate(secret, (TokenKind.API, TokenKind.ACCESS)))


def _user_of(token: Token | None) -> User | None:
    if token is None:
        return None
    g.parley_token = token
    return token.user


def auth_error(status: int) -> tuple[Response, int, dict[str, str]]:
    """The envelope, with Flack's body and Bearer challenge."""
    if status == 401:
        return error_response(401, "Send valid credentials.", headers=CHALLENGE)
    return error_response(status)


for _auth in (basic_auth, token_auth, token_optional_auth, access_auth, any_token_auth):
    _auth.error_handler(auth_error)


def current_user() -> User:
    """The authenticated user of a route that requires authentication."""
    principal = _principal()
    if isinstance(principal, tokens.Bearer):
        # From the session's identity map, unless the token came from the read cache.
        user = db.session.get(User, principal.user_id)
        if user is None:  # deleted since; its tokens went with it
            raise UnauthorizedError("the user of this token no longer exists")
        return user
    return principal


def current_user_id() -> int:
    """The authenticated user's id, without loading the user."""
    principal = _principal()
    return principal.user_id if isinstance(principal, tokens.Bearer) else principal.id


def current_token() -> Token:
    """The Bearer token this request was authenticated with."""
    principal = _principal()
    token: Token | None = (
        db.session.get(Token, principal.token_id)
        if isinstance(principal, tokens.Bearer)
        else g.get("parley_token")
    )
    if token is None:
        raise UnauthorizedError("this token no longer exists")
    return token


def _principal() -> User | tokens.Bearer:
    principal: User | tokens.Bearer | None = g.get("flask_httpauth_user")
    if principal is None:
        raise RuntimeError("current_user() on a route without required authentication")
    return principal
