"""Rate limits: Flask-Limiter on every REST route, its counters on socket events.

Counters live in Redis (the embedded default has its own), so a limit holds across
processes and instances; without REDIS_URL (one process: tests, `flask run`) in memory.
Every limit is a setting (config.py).

- Every request: RATE_LIMIT_REQUESTS per client address (an application limit,
  checked before authentication, so bad tokens cannot flood either).
- Sign-in (HTTP Basic): RATE_LIMIT_SIGN_IN attempts per address; failures per
  account and address (RATE_LIMIT_SIGN_IN_FAILURES); failures per account from
  addresses that never signed in to it (RATE_LIMIT_SIGN_IN_ACCOUNT). The account-wide
  lock-out never reaches an address that has signed in to the account before, nor a
  session that is already signed in (refreshing needs no password): an attacker can
  lock out only addresses the account's owner has never used, and only while guessing.
- Writes, per user: posting (REST and sockets share one budget), editing, channel
  creation, joins, invitations and removals, asynchronous jobs; sign-up per address.

The client address is `request.remote_addr`: behind HAProxy, ProxyFix takes it from
the X-Forwarded-For that PROXY_COUNT trusted proxies set (HAProxy replaces whatever
the client sent), never from a header the client wrote.
"""

import time
from typing import Any

from flask import Flask, Response, current_app, jsonify
from flask_limiter import RequestLimit
from flask_limiter.errors import RateLimitExceeded
from limits import parse

from parley.budgets import take
from parley.envelope import error_body
from parley.extensions import limiter
from parley.redis_urls import for_limits, pool

# What each scope limits, by the setting that holds its limit string.
SCOPES = {
    "sign-in": "RATE_LIMIT_SIGN_IN",
    "sign-in-failures": "RATE_LIMIT_SIGN_IN_FAILURES",
    "sign-in-account": "RATE_LIMIT_SIGN_IN_ACCOUNT",
    "sign-up": "RATE_LIMIT_SIGN_UP",
    "post": "RATE_LIMIT_POST",
    "edit": "RATE_LIMIT_EDIT",
    "channel": "RATE_LIMIT_CHANNEL",
    "membership": "RATE_LIMIT_MEMBERSHIP",
    "read": "RATE_LIMIT_READ",
    "react": "RATE_LIMIT_REACT",
    "search": "RATE_LIMIT_SEARCH",
    "job": "RATE_LIMIT_JOB",
}
# Limits drawn on outside the routes: socket events and connects, channel-wide mentions.
OUTSIDE_ROUTES = (
    "RATE_LIMIT_SOCKET_EVENTS",
    "RATE_LIMIT_SOCKET_REFUSALS",
    "RATE_LIMIT_SOCKET_EVENTS_USER",
    "RATE_LIMIT_SOCKET_CONNECTS",
    "RATE_LIMIT_SOCKET_CONNECTS_USER",
    "RATE_LIMIT_CHANNEL_MENTIONS",
)


def init_app(app: Flask) -> None:
    """Configure Flask-Limiter's storage, the per-address limit and the headers."""
    for setting in (*SCOPES.values(), *OUTSIDE_ROUTES, "RATE_LIMIT_REQUESTS"):
        parse(app.config[setting])  # a malformed limit fails at start, not per request
    redis_url = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", for_limits(redis_url) or "memory://")
    if redis_url:
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"connection_pool": pool(redis_url)})
    app.config.setdefault("RATELIMIT_KEY_PREFIX", app.config["REDIS_KEY_PREFIX"] + "limits")
    app.config.setdefault("RATELIMIT_ENABLED", app.config["RATE_LIMITS_ENABLED"])
    # Exact: at most N in any window of the limit's length, never twice N across the
    # edge of a fixed window, nor the approximation of a weighted previous window.
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    # Read per request: Flask-Limiter keeps the application limit of the first app it
    # was initialised with (the test suite makes many apps in one process).
    app.config.setdefault(
        "RATELIMIT_APPLICATION", lambda: current_app.config["RATE_LIMIT_REQUESTS"]
    )
    limiter.init_app(app)
    app.after_request(add_rate_limit_headers)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)


def too_many_body(retry_after: int, what: str) -> dict[str, Any]:
    """The error envelope of a refused request or socket event, saying when to retry."""
    body = error_body(429, f"Too many {what}; retry in {retry_after} s.")
    body["retry_after"] = retry_after
    return body


def _too_many_requests(error: RateLimitExceeded) -> tuple[Response, int]:
    """The envelope for a breached limit; the headers come from add_rate_limit_headers."""
    current = limiter.current_limit
    retry = max(1, int(current.reset_at - time.time())) if current else 1
    return jsonify(too_many_body(retry, f"requests ({error.description})")), 429


def consume_user_budget(scope: str, user_id: int) -> dict[str, Any] | None:
    """Take one from a user's budget outside a route (socket events): None when
    allowed, else the 429 envelope. Shares the routes' counters (Flask-Limiter keys a
    shared limit by prefix, key and scope)."""
    wait = take(SCOPES[scope], f"user:{user_id}", scope)
    return None if wait is None else too_many_body(wait, f"requests ({scope})")


def add_rate_limit_headers(response: Response) -> Response:
    """The IETF RateLimit fields of the most relevant limit, and Retry-After on a 429."""
    current: RequestLimit | None = limiter.current_limit if limiter.enabled else None
    if current is None:
        return response
    reset_in = max(0, int(current.reset_at - time.time()))
    response.headers["RateLimit-Limit"] = str(current.limit.amount)
    response.headers["RateLimit-Remaining"] = str(current.remaining)
    response.headers["RateLimit-Reset"] = str(reset_in)
    response.headers["RateLimit-Policy"] = f"{current.limit.amount};w={current.limit.get_expiry()}"
    if response.status_code == 429:
        response.headers["Retry-After"] = str(max(1, reset_in))
    return response
