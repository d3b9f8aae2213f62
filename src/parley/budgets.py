"""Budgets drawn on outside Flask-Limiter's decorators (socket events, connects,
channel-wide mentions), in the same storage (Redis: shared by every instance) and keyed
as Flask-Limiter keys a shared limit, so a budget a route also draws on is one budget."""

import time

from flask import current_app
from limits import RateLimitItem, parse

from parley.extensions import limiter


def take(setting: str, key: str, scope: str) -> int | None:
    """Take one from the limit named by `setting` for `key` in `scope`: None when
    allowed (or limits are off), else the seconds until one is free again."""
    if not limiter.enabled:
        return None
    item: RateLimitItem = parse(current_app.config[setting])
    identifiers = (current_app.config["RATELIMIT_KEY_PREFIX"], key, scope)
    if limiter.limiter.hit(item, *identifiers):
        return None
    reset_at = limiter.limiter.get_window_stats(item, *identifiers).reset_time
    return max(1, int(reset_at - time.time()))
