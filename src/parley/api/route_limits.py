"""The limits of the REST routes (parley.rate_limits holds the counters, the settings
and the headers): per authenticated user, per client address, and sign-in's three."""

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_limiter import RouteLimit
from flask_limiter.util import get_remote_address

from parley.api.auth import current_user_id
from parley.extensions import limiter
from parley.rate_limits import SCOPES

View = TypeVar("View", bound=Callable[..., Any])
# How long an address that signed in to an account stays exempt from its lock-out.
TRUSTED_ADDRESS_SECONDS = 30 * 86400


def _limit_of(scope: str) -> Callable[[], str]:
    return lambda: current_app.config[SCOPES[scope]]


def per_user(scope: str) -> RouteLimit:
    """Limit a route by the authenticated user; place it below @authenticate."""
    return limiter.shared_limit(
        _limit_of(scope), scope=scope, key_func=lambda: f"user:{current_user_id()}"
    )


def per_address(scope: str) -> RouteLimit:
    """Limit a route by the client address."""
    return limiter.shared_limit(_limit_of(scope), scope=scope, key_func=get_remote_address)


def sign_in_limited(view: View) -> View:
    """The sign-in limits; place above @authenticate(basic_auth), so that a locked-out
    guess is refused before any password is hashed."""
    for limit in (
        limiter.shared_limit(
            _limit_of("sign-in-failures"),
            scope="sign-in-failures",
            key_func=lambda: f"{_account()}@{get_remote_address()}",
            deduct_when=_failed,
        ),
        limiter.shared_limit(
            _limit_of("sign-in-account"),
            scope="sign-in-account",
            key_func=_account,
            exempt_when=_address_trusted,
            deduct_when=_failed,
        ),
        limiter.shared_limit(_limit_of("sign-in"), scope="sign-in", key_func=get_remote_address),
    ):
        view = limit(view)  # type: ignore[assignment]
    return view


def _failed(response: Response) -> bool:
    return response.status_code == 401


def _account() -> str:
    """The account a Basic sign-in names (empty without one: the limit is skipped)."""
    nickname = request.authorization.username if request.authorization else None
    return f"account:{nickname.casefold()}" if nickname else ""


def _trust_key() -> str:
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    return f"{prefix}/trusted/{_account()}@{get_remote_address()}"


def _address_trusted() -> bool:
    return bool(_account()) and limiter.limiter.storage.get(_trust_key()) > 0


def remember_sign_in() -> None:
    """Exempt this address from the account-wide lock-out of the account it signed in to."""
    if limiter.enabled and _account():
        limiter.limiter.storage.incr(_trust_key(), TRUSTED_ADDRESS_SECONDS)
